/* s3_lock_xml.c - read the small XML documents of S3 object lock */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gatewayd.h"

/*
 * A document is read as the text of its leaf elements, each named by its
 * path from the root ("Retention/Mode").  Object lock documents are
 * small and flat, so a handful of leaves is enough: more is refused.
 */

static void
ld_start(void *arg, const char *name, const char **attrs)
{
	struct s3_lock_doc *d = arg;
	size_t n = strlen(name);

	(void)attrs;
	if (d->ld_plen + 1 + n >= sizeof(d->ld_path)) {
		d->ld_bad = true;
		return;
	}
	if (d->ld_plen > 0)
		d->ld_path[d->ld_plen++] = '/';
	memcpy(d->ld_path + d->ld_plen, name, n + 1);
	d->ld_plen += n;
	d->ld_textlen = 0;
	d->ld_text[0] = '\0';
}

static void
ld_end(void *arg, const char *name)
{
	struct s3_lock_doc *d = arg;
	char *slash;

	(void)name;
	if (d->ld_bad)
		return;
	if (d->ld_textlen > 0) {
		if (d->ld_n == S3_LOCK_LEAVES) {
			d->ld_bad = true;
			return;
		}
		strcpy(d->ld_name[d->ld_n], d->ld_path);
		strcpy(d->ld_value[d->ld_n++], d->ld_text);
	}
	d->ld_textlen = 0;
	d->ld_text[0] = '\0';
	slash = strrchr(d->ld_path, '/');
	d->ld_plen = slash != NULL ? (size_t)(slash - d->ld_path) : 0;
	d->ld_path[d->ld_plen] = '\0';
}

static void
ld_text(void *arg, const char *s, int len)
{
	struct s3_lock_doc *d = arg;

	if (!xml_text_add(d->ld_text, sizeof(d->ld_text), &d->ld_textlen, s,
	    len))
		d->ld_bad = true;
}

static const struct xml_sax ld_sax = { ld_start, ld_end, ld_text };

bool
s3_lock_doc_parse(struct s3_lock_doc *d, const char *body, size_t len)
{
	memset(d, 0, sizeof(*d));
	return xml_parse(body, len, &ld_sax, d) == 0 && !d->ld_bad;
}

const char *
s3_lock_doc_get(const struct s3_lock_doc *d, const char *path)
{
	int i;

	for (i = 0; i < d->ld_n; i++)
		if (strcmp(d->ld_name[i], path) == 0)
			return d->ld_value[i];
	return NULL;
}

enum s3_err
s3_lock_read_body(struct s3_req *r, struct s3_lock_doc *d)
{
	char *body;
	size_t len;
	enum s3_err e;

	if ((e = s3_body_whole(r, S3_LOCK_BODYMAX, S3E_MALFORMED_XML, &body,
	    &len)) != S3E_NONE)
		return e;
	if (!s3_lock_doc_parse(d, body, len))
		e = S3E_MALFORMED_XML;
	free(body);
	return e;
}
