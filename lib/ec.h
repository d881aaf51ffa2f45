/* ec.h - Reed-Solomon erasure coding of stripes with isa-l */
#ifndef CAIRN_EC_H
#define CAIRN_EC_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Reed-Solomon tables for one k+m layout (isa-l, Cauchy matrix).  Built
 * once by ec_init, then read-only and shared by every thread.
 */
struct ec {
	int		 ec_k;
	int		 ec_m;
	unsigned char	*ec_matrix;	/* (k+m) x k encode matrix */
	unsigned char	*ec_tables;	/* 32*k*m expanded parity tables */
};

/* ec_init builds the tables for k data and m parity shards (k+m <= 16). */
int ec_init(struct ec *ec, int k, int m);

/* ec_free releases the tables. */
void ec_free(struct ec *ec);

/* ec_encode computes the m parity blocks from the k data blocks, len each. */
void ec_encode(const struct ec *ec, size_t len, unsigned char **data,
    unsigned char **parity);

/*
 * ec_reconstruct rebuilds, in place, every block i of shards[0..k+m) with
 * present[i] false, data and parity alike, from the present ones (all len
 * bytes).  Returns 0, or CAIRN_EQUORUM when fewer than k are present.
 */
int ec_reconstruct(const struct ec *ec, size_t len, unsigned char **shards,
    const bool *present);

#endif
