/* scrub_names.c - bounded lists of object names for reports */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrubd.h"

/* scrub_names_find returns the index of "bucket/key" in l, or -1. */
static int
scrub_names_find(const struct scrub_names *l, const char *name)
{
	uint32_t i;

	for (i = 0; i < l->sn_n; i++)
		if (strcmp(l->sn_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* scrub_names_make formats "bucket/key" into buf of SCRUB_NAMEMAX. */
static void
scrub_names_make(char *buf, struct proto_str bucket, struct proto_str key)
{
	snprintf(buf, SCRUB_NAMEMAX, "%.*s/%.*s", (int)bucket.ps_len,
	    bucket.ps_ptr, (int)key.ps_len, key.ps_ptr);
}

void
scrub_names_add(struct scrub_names *l, struct proto_str bucket,
    struct proto_str key)
{
	char buf[SCRUB_NAMEMAX];

	scrub_names_make(buf, bucket, key);
	if (scrub_names_find(l, buf) != -1)
		return;
	l->sn_total++;
	if (l->sn_n < PROTO_SCRUBNAMES &&
	    (l->sn_names[l->sn_n] = strdup(buf)) != NULL)
		l->sn_n++;
}

void
scrub_names_del(struct scrub_names *l, struct proto_str bucket,
    struct proto_str key)
{
	char buf[SCRUB_NAMEMAX];
	int i;

	scrub_names_make(buf, bucket, key);
	if ((i = scrub_names_find(l, buf)) == -1)
		return;
	free(l->sn_names[i]);
	l->sn_names[i] = l->sn_names[--l->sn_n];
	if (l->sn_total > 0)
		l->sn_total--;
}

void
scrub_names_free(struct scrub_names *l)
{
	uint32_t i;

	for (i = 0; i < l->sn_n; i++)
		free(l->sn_names[i]);
	memset(l, 0, sizeof(*l));
}

void
scrub_names_fill(const struct scrub_names *l, struct proto_str *out,
    uint32_t *n)
{
	uint32_t i;

	for (i = 0; i < l->sn_n; i++)
		out[i] = proto_str_c(l->sn_names[i]);
	*n = l->sn_n;
}
