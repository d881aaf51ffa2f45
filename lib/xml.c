/* xml.c - reading small XML documents with expat: no DTD, no entities */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <expat.h>

#include "errors.h"
#include "xml.h"

/* What expat calls back with: the caller's handlers and argument. */
struct xml_run {
	XML_Parser		 xr_parser;
	const struct xml_sax	*xr_sax;
	void			*xr_arg;
	bool			 xr_doctype;
};

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_run *xr = arg;

	xr->xr_sax->xs_start(xr->xr_arg, name, attrs);
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct xml_run *xr = arg;

	xr->xr_sax->xs_end(xr->xr_arg, name);
}

static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	struct xml_run *xr = arg;

	xr->xr_sax->xs_text(xr->xr_arg, s, len);
}

/* on_doctype refuses a DOCTYPE: no entity tricks in a request body. */
static void XMLCALL
on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal)
{
	struct xml_run *xr = arg;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	xr->xr_doctype = true;
	XML_StopParser(xr->xr_parser, XML_FALSE);
}

int
xml_parse(const char *s, size_t len, const struct xml_sax *sax, void *arg)
{
	struct xml_run xr = { NULL, sax, arg, false };
	bool ok;

	if (len > INT32_MAX)
		return CAIRN_EINVAL;
	if ((xr.xr_parser = XML_ParserCreate("UTF-8")) == NULL)
		return CAIRN_ENOMEM;
	XML_SetUserData(xr.xr_parser, &xr);
	XML_SetElementHandler(xr.xr_parser, on_start, on_end);
	XML_SetCharacterDataHandler(xr.xr_parser, on_text);
	XML_SetStartDoctypeDeclHandler(xr.xr_parser, on_doctype);
	XML_SetParamEntityParsing(xr.xr_parser,
	    XML_PARAM_ENTITY_PARSING_NEVER);
	ok = XML_Parse(xr.xr_parser, s, (int)len, 1) == XML_STATUS_OK &&
	    !xr.xr_doctype;
	XML_ParserFree(xr.xr_parser);
	return ok ? 0 : CAIRN_EINVAL;
}

bool
xml_text_add(char *buf, size_t cap, size_t *used, const char *s, int len)
{
	if (len < 0 || *used + (size_t)len >= cap)
		return false;
	memcpy(buf + *used, s, (size_t)len);
	*used += (size_t)len;
	buf[*used] = '\0';
	return true;
}
