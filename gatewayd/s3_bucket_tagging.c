/* s3_bucket_tagging.c - bucket tags: Put/Get/DeleteBucketTagging */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gatewayd.h"

#define BUCKET_TAGS_MAX		50		/* as in S3 */
#define BUCKET_TAGS_BODYMAX	(64 * 1024)

static const char *const tagging_children[] = { "TagSet", NULL };
static const char *const tagset_children[] = { "Tag", NULL };
static const char *const tag_children[] = { "Key", "Value", NULL };

/* tag_shape checks that a Tag element has one Key and one Value. */
static bool
tag_shape(const struct s3_bconf_node *t)
{
	return s3_bconf_is(t, "Tag") && t->bn_child != NULL &&
	    s3_bconf_only(t, tag_children) &&
	    s3_bconf_count(t, "Key") == 1 && s3_bconf_count(t, "Value") == 1;
}

/* tag_check checks one tag's key and value; message says why not. */
static enum s3_err
tag_check(const struct s3_bconf_node *k, const struct s3_bconf_node *v,
    const char **message)
{
	if (s3_tagging_check(k->bn_text, k->bn_text_len, "", 0) != S3E_NONE)
		*message = "The TagKey you have provided is invalid";
	else if (s3_tagging_check("k", 1, v->bn_text, v->bn_text_len) !=
	    S3E_NONE)
		*message = "The TagValue you have provided is invalid";
	else if (strncmp(k->bn_text, "aws:", 4) == 0)
		*message = "System tags cannot be added/updated by requester";
	else
		return S3E_NONE;
	return S3E_INVALID_TAG;
}

/* tags_unique tells whether no key of the set comes twice. */
static bool
tags_unique(const struct s3_bconf_node *set)
{
	const struct s3_bconf_node *a, *b, *ka, *kb;

	for (a = set->bn_child; a != NULL; a = a->bn_next)
		for (b = a->bn_next; b != NULL; b = b->bn_next) {
			ka = s3_bconf_child(a, "Key");
			kb = s3_bconf_child(b, "Key");
			if (ka->bn_text_len == kb->bn_text_len &&
			    memcmp(ka->bn_text, kb->bn_text,
			    ka->bn_text_len) == 0)
				return false;
		}
	return true;
}

/* tags_check validates a Tagging document as S3 does. */
static enum s3_err
tags_check(const struct s3_bconf_node *root, const char **message)
{
	const struct s3_bconf_node *set, *t;
	enum s3_err e;

	if (!s3_bconf_is(root, "Tagging") ||
	    !s3_bconf_only(root, tagging_children) ||
	    s3_bconf_count(root, "TagSet") != 1)
		return S3E_MALFORMED_XML;
	set = s3_bconf_child(root, "TagSet");
	if (!s3_bconf_only(set, tagset_children))
		return S3E_MALFORMED_XML;
	for (t = set->bn_child; t != NULL; t = t->bn_next)
		if (!tag_shape(t))
			return S3E_MALFORMED_XML;
	*message = "Bucket tag count cannot be greater than 50";
	if (s3_bconf_count(set, "Tag") > BUCKET_TAGS_MAX)
		return S3E_INVALID_TAG;
	for (t = set->bn_child; t != NULL; t = t->bn_next)
		if ((e = tag_check(s3_bconf_child(t, "Key"),
		    s3_bconf_child(t, "Value"), message)) != S3E_NONE)
			return e;
	*message = "Cannot provide multiple Tags with the same key";
	return tags_unique(set) ? S3E_NONE : S3E_INVALID_TAG;
}

static enum s3_err
check_tagging(struct s3_req *r, const struct s3_bconf_node *root, char *msg,
    size_t len)
{
	const char *m = "";
	enum s3_err e;

	(void)r;
	e = tags_check(root, &m);
	snprintf(msg, len, "%s", m);
	return e;
}

/* empty_tagging: an empty tag set removes the tags, as in S3. */
static bool
empty_tagging(const struct s3_bconf_node *root)
{
	return s3_bconf_child(root, "TagSet")->bn_child == NULL;
}

const struct s3_bconf_ops s3_bucket_tagging_ops = {
	BCONF_TAGGING, BUCKET_TAGS_BODYMAX, 204, S3E_NO_SUCH_TAG_SET,
	check_tagging, empty_tagging, NULL, true, NULL
};
