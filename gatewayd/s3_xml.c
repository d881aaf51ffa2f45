/* s3_xml.c - building the XML documents of S3 responses */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

static void
put(struct s3_xml *x, const char *s, size_t len)
{
	size_t cap;
	char *p;

	if (x->x_err)
		return;
	if (x->x_len + len + 1 > x->x_cap) {
		cap = x->x_cap ? x->x_cap : 1024;
		while (cap < x->x_len + len + 1)
			cap *= 2;
		if ((p = realloc(x->x_buf, cap)) == NULL) {
			x->x_err = true;
			return;
		}
		x->x_buf = p;
		x->x_cap = cap;
	}
	memcpy(x->x_buf + x->x_len, s, len);
	x->x_len += len;
	x->x_buf[x->x_len] = '\0';
}

static void
puts_(struct s3_xml *x, const char *s)
{
	put(x, s, strlen(s));
}

void
s3_xml_escape(struct s3_xml *x, const char *s, size_t len)
{
	size_t i, start = 0;
	const char *rep;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':	rep = "&amp;"; break;
		case '<':	rep = "&lt;"; break;
		case '>':	rep = "&gt;"; break;
		case '"':	rep = "&quot;"; break;
		case '\'':	rep = "&apos;"; break;
		default:	continue;
		}
		put(x, s + start, i - start);
		puts_(x, rep);
		start = i + 1;
	}
	put(x, s + start, len - start);
}

void
s3_xml_init(struct s3_xml *x)
{
	memset(x, 0, sizeof(*x));
	puts_(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
}

void
s3_xml_free(struct s3_xml *x)
{
	free(x->x_buf);
	memset(x, 0, sizeof(*x));
}

void
s3_xml_open(struct s3_xml *x, const char *tag)
{
	puts_(x, "<");
	puts_(x, tag);
	puts_(x, ">");
}

void
s3_xml_open_ns(struct s3_xml *x, const char *tag)
{
	puts_(x, "<");
	puts_(x, tag);
	puts_(x, " xmlns=\"" S3_XMLNS "\">");
}

void
s3_xml_close(struct s3_xml *x, const char *tag)
{
	puts_(x, "</");
	puts_(x, tag);
	puts_(x, ">");
}

void
s3_xml_text(struct s3_xml *x, const char *tag, const char *s, size_t len)
{
	s3_xml_open(x, tag);
	s3_xml_escape(x, s, len);
	s3_xml_close(x, tag);
}

void
s3_xml_str(struct s3_xml *x, const char *tag, const char *s)
{
	s3_xml_text(x, tag, s, strlen(s));
}

void
s3_xml_u64(struct s3_xml *x, const char *tag, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	s3_xml_str(x, tag, buf);
}

void
s3_xml_bool(struct s3_xml *x, const char *tag, bool v)
{
	s3_xml_str(x, tag, v ? "true" : "false");
}

/* urlenc writes s percent-encoded as S3 does for encoding-type=url. */
static void
urlenc(struct s3_xml *x, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3] = { '%', 0, 0 };
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || c == '/') {
			put(x, s + i, 1);
			continue;
		}
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		put(x, esc, 3);
	}
}

void
s3_xml_key(struct s3_xml *x, const char *tag, struct proto_str key)
{
	if (!x->x_urlenc) {
		s3_xml_text(x, tag, key.ps_ptr, key.ps_len);
		return;
	}
	s3_xml_open(x, tag);
	urlenc(x, key.ps_ptr, key.ps_len);
	s3_xml_close(x, tag);
}

void
s3_xml_raw(struct s3_xml *x, const char *s)
{
	puts_(x, s);
}

enum s3_err
s3_xml_parse(const char *s, size_t len, const struct xml_sax *sax, void *arg)
{
	switch (xml_parse(s, len, sax, arg)) {
	case 0:
		return S3E_NONE;
	case CAIRN_ENOMEM:
		return S3E_SLOW_DOWN;
	default:
		return S3E_MALFORMED_XML;
	}
}
