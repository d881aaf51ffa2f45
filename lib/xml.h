/* xml.h - reading small XML documents with expat: no DTD, no entities */
#ifndef CAIRN_XML_H
#define CAIRN_XML_H

#include <stdbool.h>
#include <stddef.h>

/* What xml_parse calls back with, and the caller's argument. */
struct xml_sax {
	void	(*xs_start)(void *arg, const char *name, const char **attrs);
	void	(*xs_end)(void *arg, const char *name);
	void	(*xs_text)(void *arg, const char *s, int len);
};

/*
 * xml_parse runs expat over the whole document of len bytes at s, calling
 * sax with arg.  A document with a DOCTYPE is refused (and the parse
 * stopped there) so that no entity can expand; parameter entities are
 * never parsed.  Returns 0 if the document is well formed,
 * CAIRN_EINVAL if it is not, or CAIRN_ENOMEM.
 */
int xml_parse(const char *s, size_t len, const struct xml_sax *sax,
    void *arg);

/*
 * xml_text_add appends the len bytes at s to the text in buf (cap bytes,
 * *used of them taken), keeping it NUL-terminated: expat may hand one
 * element's text over in several pieces.  Returns false, leaving buf
 * as it was, if they do not fit.
 */
bool xml_text_add(char *buf, size_t cap, size_t *used, const char *s,
    int len);

#endif
