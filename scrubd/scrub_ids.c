/* scrub_ids.c - the set of data ids that records refer to */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "scrubd.h"

int
scrub_ids_add(struct scrub_ids *s, const uint8_t *id)
{
	uint8_t (*nv)[PROTO_IDLEN];
	size_t ncap;

	if (s->si_n == s->si_cap) {
		ncap = s->si_cap == 0 ? 1024 : s->si_cap * 2;
		if ((nv = reallocarray(s->si_ids, ncap, PROTO_IDLEN)) == NULL)
			return CAIRN_ENOMEM;
		s->si_ids = nv;
		s->si_cap = ncap;
	}
	memcpy(s->si_ids[s->si_n++], id, PROTO_IDLEN);
	s->si_sorted = false;
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, PROTO_IDLEN);
}

void
scrub_ids_sort(struct scrub_ids *s)
{
	if (s->si_n > 0)
		qsort(s->si_ids, s->si_n, PROTO_IDLEN, id_cmp);
	s->si_sorted = true;
}

bool
scrub_ids_has(const struct scrub_ids *s, const uint8_t *id)
{
	if (s->si_n == 0)
		return false;
	return bsearch(id, s->si_ids, s->si_n, PROTO_IDLEN, id_cmp) != NULL;
}

void
scrub_ids_free(struct scrub_ids *s)
{
	free(s->si_ids);
	memset(s, 0, sizeof(*s));
}
