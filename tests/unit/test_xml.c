/* test_xml.c - lib/xml.c: whole documents, no DOCTYPE, text in pieces */
#include <string.h>

#include "errors.h"
#include "tap.h"
#include "xml.h"

/* What the callbacks saw. */
struct seen {
	int	 starts, ends;
	char	 text[16];
	size_t	 len;
	bool	 over;
};

static void
on_start(void *arg, const char *name, const char **attrs)
{
	struct seen *s = arg;

	(void)name;
	(void)attrs;
	s->starts++;
}

static void
on_end(void *arg, const char *name)
{
	struct seen *s = arg;

	(void)name;
	s->ends++;
}

static void
on_text(void *arg, const char *t, int len)
{
	struct seen *s = arg;

	if (!xml_text_add(s->text, sizeof(s->text), &s->len, t, len))
		s->over = true;
}

static const struct xml_sax sax = { on_start, on_end, on_text };

static int
parse(const char *doc, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return xml_parse(doc, strlen(doc), &sax, s);
}

int
main(void)
{
	struct seen s;

	plan(8);
	ok(parse("<a><b>x&amp;y</b></a>", &s) == 0 && s.starts == 2 &&
	    s.ends == 2, "a well-formed document calls back for each element");
	ok(strcmp(s.text, "x&y") == 0 && s.len == 3,
	    "text given in pieces is joined and NUL-terminated");
	ok(parse("<a><b></a>", &s) == CAIRN_EINVAL,
	    "a document that is not well formed is refused");
	ok(parse("", &s) == CAIRN_EINVAL, "an empty document is refused");
	ok(parse("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e \"ee\">]>"
	    "<a>&e;</a>", &s) == CAIRN_EINVAL && s.starts == 0,
	    "a DOCTYPE is refused before any element");
	ok(parse("<a>0123456789abcde</a>", &s) == 0 && !s.over &&
	    s.len == 15, "fifteen bytes of text and the NUL fill sixteen");
	ok(parse("<a>0123456789abcdef</a>", &s) == 0 && s.over &&
	    s.len == 0 && s.text[0] == '\0',
	    "sixteen do not, and the buffer is left as it was");
	ok(parse("<a>\xc3</a>", &s) == CAIRN_EINVAL,
	    "a document that is not UTF-8 is refused");
	return tap_done();
}
