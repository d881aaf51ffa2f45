/* s3_lock_xml.c - read the small XML documents of S3 object lock */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "gatewayd.h"

/*
 * A document is read as the text of its leaf elements, each named by its
 * path from the root ("Retention/Mode").  Object lock documents are
 * small and flat, so a handful of leaves is enough: more is refused.
 */

static void XMLCALL
ld_start(void *arg, const XML_Char *name, const XML_Char **attrs)
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

static void XMLCALL
ld_end(void *arg, const XML_Char *name)
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

static void XMLCALL
ld_text(void *arg, const XML_Char *s, int len)
{
	struct s3_lock_doc *d = arg;

	if (d->ld_textlen + (size_t)len >= sizeof(d->ld_text)) {
		d->ld_bad = true;
		return;
	}
	memcpy(d->ld_text + d->ld_textlen, s, (size_t)len);
	d->ld_textlen += (size_t)len;
	d->ld_text[d->ld_textlen] = '\0';
}

static void XMLCALL
ld_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	((struct s3_lock_doc *)arg)->ld_bad = true;
}

bool
s3_lock_doc_parse(struct s3_lock_doc *d, const char *body, size_t len)
{
	XML_Parser p;
	bool ok;

	memset(d, 0, sizeof(*d));
	if ((p = XML_ParserCreate("UTF-8")) == NULL)
		return false;
	XML_SetUserData(p, d);
	XML_SetElementHandler(p, ld_start, ld_end);
	XML_SetCharacterDataHandler(p, ld_text);
	XML_SetStartDoctypeDeclHandler(p, ld_doctype);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	ok = XML_Parse(p, body, (int)len, 1) == XML_STATUS_OK && !d->ld_bad;
	XML_ParserFree(p);
	return ok;
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
	struct http_req *hr = r->sr_http;
	char *body;
	bool ok;

	if (hr->hr_body_len > S3_LOCK_BODYMAX)
		return S3E_MALFORMED_XML;
	if ((body = malloc(hr->hr_body_len + 1)) == NULL)
		return S3E_SLOW_DOWN;
	if (http_body_read(hr, body, hr->hr_body_len) !=
	    (long)hr->hr_body_len) {
		free(body);
		return S3E_INCOMPLETE_BODY;
	}
	ok = s3_lock_doc_parse(d, body, hr->hr_body_len);
	free(body);
	return ok ? S3E_NONE : S3E_MALFORMED_XML;
}
