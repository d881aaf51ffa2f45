/* ec.c - Reed-Solomon erasure coding of stripes with isa-l */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l.h>

#include "errors.h"
#include "ec.h"

#define EC_MAXSHARDS	16

/* isa-l takes int lengths; longer blocks are coded in pieces of this size. */
#define EC_PIECE	(1 << 30)

int
ec_init(struct ec *ec, int k, int m)
{
	int	n = k + m;

	memset(ec, 0, sizeof(*ec));
	if (k < 1 || m < 0 || n > EC_MAXSHARDS)
		return CAIRN_EINVAL;
	ec->ec_matrix = malloc((size_t)n * k);
	ec->ec_tables = malloc(32 * (size_t)k * (m > 0 ? m : 1));
	if (ec->ec_matrix == NULL || ec->ec_tables == NULL) {
		ec_free(ec);
		return CAIRN_ENOMEM;
	}
	ec->ec_k = k;
	ec->ec_m = m;
	/*
	 * A Cauchy matrix keeps every k x k submatrix invertible, whatever
	 * k and m; the Vandermonde-style gf_gen_rs_matrix does not.
	 */
	gf_gen_cauchy1_matrix(ec->ec_matrix, n, k);
	if (m > 0)
		ec_init_tables(k, m, &ec->ec_matrix[k * k], ec->ec_tables);
	return 0;
}

void
ec_free(struct ec *ec)
{
	free(ec->ec_matrix);
	free(ec->ec_tables);
	ec->ec_matrix = NULL;
	ec->ec_tables = NULL;
}

/*
 * ec_apply computes rows output blocks from k input blocks with expanded
 * tables, cutting len into pieces isa-l's int length can hold.
 */
static void
ec_apply(int k, int rows, unsigned char *tables, size_t len,
    unsigned char **in, unsigned char **out)
{
	unsigned char	*src[EC_MAXSHARDS], *dst[EC_MAXSHARDS];
	size_t		 off, piece;
	int		 i;

	for (off = 0; off < len; off += piece) {
		piece = len - off < EC_PIECE ? len - off : EC_PIECE;
		for (i = 0; i < k; i++)
			src[i] = in[i] + off;
		for (i = 0; i < rows; i++)
			dst[i] = out[i] + off;
		ec_encode_data((int)piece, k, rows, tables, src, dst);
	}
}

void
ec_encode(const struct ec *ec, size_t len, unsigned char **data,
    unsigned char **parity)
{
	if (ec->ec_m == 0)
		return;
	ec_apply(ec->ec_k, ec->ec_m, ec->ec_tables, len, data, parity);
}

/*
 * ec_rebuild_data recomputes the missing data blocks.  The k x k matrix
 * made of the encode rows of k present shards maps the data to them; its
 * inverse maps them back, and row i of the inverse yields data block i.
 */
static int
ec_rebuild_data(const struct ec *ec, size_t len, unsigned char **shards,
    const bool *present)
{
	unsigned char	 sub[EC_MAXSHARDS * EC_MAXSHARDS];
	unsigned char	 inv[EC_MAXSHARDS * EC_MAXSHARDS];
	unsigned char	 rows[EC_MAXSHARDS * EC_MAXSHARDS];
	unsigned char	 tables[32 * EC_MAXSHARDS * EC_MAXSHARDS];
	unsigned char	*src[EC_MAXSHARDS], *dst[EC_MAXSHARDS];
	int		 k = ec->ec_k, n = ec->ec_k + ec->ec_m;
	int		 i, nsrc = 0, nlost = 0;

	for (i = 0; i < n && nsrc < k; i++) {
		if (!present[i])
			continue;
		memcpy(&sub[nsrc * k], &ec->ec_matrix[i * k], k);
		src[nsrc++] = shards[i];
	}
	if (gf_invert_matrix(sub, inv, k) != 0)
		return CAIRN_EINTERNAL;
	for (i = 0; i < k; i++) {
		if (present[i])
			continue;
		memcpy(&rows[nlost * k], &inv[i * k], k);
		dst[nlost++] = shards[i];
	}
	ec_init_tables(k, nlost, rows, tables);
	ec_apply(k, nlost, tables, len, src, dst);
	return 0;
}

/* ec_rebuild_parity re-encodes the missing parity blocks from full data. */
static void
ec_rebuild_parity(const struct ec *ec, size_t len, unsigned char **shards,
    const bool *present)
{
	unsigned char	 rows[EC_MAXSHARDS * EC_MAXSHARDS];
	unsigned char	 tables[32 * EC_MAXSHARDS * EC_MAXSHARDS];
	unsigned char	*dst[EC_MAXSHARDS];
	int		 k = ec->ec_k, n = ec->ec_k + ec->ec_m;
	int		 i, nlost = 0;

	for (i = k; i < n; i++) {
		if (present[i])
			continue;
		memcpy(&rows[nlost * k], &ec->ec_matrix[i * k], k);
		dst[nlost++] = shards[i];
	}
	if (nlost == 0)
		return;
	ec_init_tables(k, nlost, rows, tables);
	ec_apply(k, nlost, tables, len, shards, dst);
}

int
ec_reconstruct(const struct ec *ec, size_t len, unsigned char **shards,
    const bool *present)
{
	int	k = ec->ec_k, n = ec->ec_k + ec->ec_m;
	int	i, have = 0, data_lost = 0, rc;

	for (i = 0; i < n; i++) {
		if (present[i])
			have++;
		else if (i < k)
			data_lost++;
	}
	if (have < k)
		return CAIRN_EQUORUM;
	if (data_lost > 0 &&
	    (rc = ec_rebuild_data(ec, len, shards, present)) != 0)
		return rc;
	ec_rebuild_parity(ec, len, shards, present);
	return 0;
}
