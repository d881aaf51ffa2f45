/* lifecycle.c - S3 lifecycle configurations: parse with expat, check, match */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "lifecycle.h"
#include "util.h"
#include "xml.h"

#define LC_DEPTHMAX	8		/* elements nested at most */
#define LC_PATHMAX	128		/* "Rule/Filter/And/Tag/Value" */
#define LC_TEXTMAX	(4 * 1024 + 64)	/* a Prefix is up to 1024 UTF-8 chars */
#define LC_TAGKEYMAX	(128 * 4)	/* bytes of a tag key, UTF-8 */
#define LC_TAGVALMAX	(256 * 4)

/* What the current rule has shown so far (one Rule element). */
struct lc_seen {
	bool	ls_id, ls_status, ls_prefix, ls_filter, ls_exp, ls_nve;
	bool	ls_abort, ls_days, ls_date, ls_marker, ls_nc_days, ls_ab_days;
	int	ls_filter_kids;		/* direct children of Filter */
	bool	ls_tag_key, ls_tag_value;
};

/* The parse of one document: expat's callbacks share it. */
struct lc_parse {
	struct lifecycle	*p_lc;
	int			 p_cap;
	char			 p_path[LC_PATHMAX];
	size_t			 p_pathlen[LC_DEPTHMAX + 1];
	int			 p_depth;
	int			 p_deep;	/* elements open beyond p_depth */
	char			 p_text[LC_TEXTMAX + 1];
	size_t			 p_textlen;
	bool			 p_text_long;
	struct lc_seen		 p_seen;
	char			 p_tag_key[LC_TAGKEYMAX + 1];
	enum lifecycle_err	 p_err;
	char			*p_msg;
	size_t			 p_msglen;
};

/* fail records the first refusal; a malformed document wins over others. */
static void
fail(struct lc_parse *p, enum lifecycle_err e, const char *msg)
{
	if (p->p_err != LIFECYCLE_OK && !(e == LIFECYCLE_MALFORMED &&
	    p->p_err != LIFECYCLE_MALFORMED && p->p_err != LIFECYCLE_NOMEM))
		return;
	p->p_err = e;
	snprintf(p->p_msg, p->p_msglen, "%s", msg != NULL ? msg : "");
}

/* cur returns the rule being read. */
static struct lifecycle_rule *
cur(struct lc_parse *p)
{
	return &p->p_lc->lc_rules[p->p_lc->lc_n - 1];
}

/* --- values ----------------------------------------------------------------- */

/*
 * parse_int reads a decimal integer; a non-number is malformed, and a
 * number below min gets msg (S3 says "must be a positive integer").
 */
static bool
parse_int(struct lc_parse *p, const char *s, long long min, long long max,
    long long *out, const char *msg)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || (*s != '-' && (*s < '0' ||
	    *s > '9'))) {
		fail(p, LIFECYCLE_MALFORMED, NULL);
		return false;
	}
	if (v < min || v > max) {
		fail(p, LIFECYCLE_INVALID_ARGUMENT, msg);
		return false;
	}
	*out = v;
	return true;
}

/* days_of reads a positive number of days for the element named what. */
static uint32_t
days_of(struct lc_parse *p, const char *what, const char *action)
{
	char msg[LIFECYCLE_MSGMAX];
	long long v;

	snprintf(msg, sizeof(msg), "'%s' for %s action must be a positive "
	    "integer", what, action);
	return parse_int(p, p->p_text, 1, 1000000, &v, msg) ? (uint32_t)v : 0;
}

/*
 * parse_date reads an ISO 8601 time (2026-11-22T00:00:00Z, with optional
 * zero fraction, Z or +00:00), which S3 wants at midnight UTC.
 */
static void
parse_date(struct lc_parse *p, struct lifecycle_rule *r)
{
	int y, mo, d, h, mi, s, n = 0;
	const char *rest;
	struct tm tm;

	if (sscanf(p->p_text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h,
	    &mi, &s, &n) != 6 || n != 19 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || y < 1970) {
		fail(p, LIFECYCLE_MALFORMED, NULL);
		return;
	}
	rest = p->p_text + n;
	if (*rest == '.')
		for (rest++; *rest == '0'; rest++)
			continue;
	if (strcmp(rest, "Z") != 0 && strcmp(rest, "+00:00") != 0 &&
	    *rest != '\0') {
		fail(p, LIFECYCLE_INVALID_ARGUMENT,
		    "'Date' must be at midnight GMT");
		return;
	}
	if (h != 0 || mi != 0 || s != 0) {
		fail(p, LIFECYCLE_INVALID_ARGUMENT,
		    "'Date' must be at midnight GMT");
		return;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	r->lr_date_s = (int64_t)timegm(&tm);
	r->lr_has_date = true;
}

/* dup_text copies the element's text into *out. */
static void
dup_text(struct lc_parse *p, char **out)
{
	free(*out);
	if ((*out = strdup(p->p_text)) == NULL)
		fail(p, LIFECYCLE_NOMEM, NULL);
}

/* --- the elements ------------------------------------------------------------- */

/* The elements a document may hold, by path under the root. */
static const char *const lc_paths[] = {
	"Rule", "Rule/ID", "Rule/Status", "Rule/Prefix", "Rule/Filter",
	"Rule/Filter/Prefix", "Rule/Filter/Tag", "Rule/Filter/Tag/Key",
	"Rule/Filter/Tag/Value", "Rule/Filter/And", "Rule/Filter/And/Prefix",
	"Rule/Filter/And/Tag", "Rule/Filter/And/Tag/Key",
	"Rule/Filter/And/Tag/Value", "Rule/Filter/And/ObjectSizeGreaterThan",
	"Rule/Filter/And/ObjectSizeLessThan",
	"Rule/Filter/ObjectSizeGreaterThan", "Rule/Filter/ObjectSizeLessThan",
	"Rule/Expiration", "Rule/Expiration/Days", "Rule/Expiration/Date",
	"Rule/Expiration/ExpiredObjectDeleteMarker",
	"Rule/NoncurrentVersionExpiration",
	"Rule/NoncurrentVersionExpiration/NoncurrentDays",
	"Rule/NoncurrentVersionExpiration/NewerNoncurrentVersions",
	"Rule/AbortIncompleteMultipartUpload",
	"Rule/AbortIncompleteMultipartUpload/DaysAfterInitiation",
	NULL
};

static bool
path_known(const char *path)
{
	int i;

	for (i = 0; lc_paths[i] != NULL; i++)
		if (strcmp(lc_paths[i], path) == 0)
			return true;
	return false;
}

/* rule_begin makes room for one more rule. */
static void
rule_begin(struct lc_parse *p)
{
	struct lifecycle *lc = p->p_lc;
	struct lifecycle_rule *n;
	int cap;

	memset(&p->p_seen, 0, sizeof(p->p_seen));
	if (lc->lc_n == LIFECYCLE_RULEMAX) {
		fail(p, LIFECYCLE_INVALID_REQUEST, "A lifecycle configuration "
		    "may have at most 1000 rules");
		return;
	}
	if (lc->lc_n == p->p_cap) {
		cap = p->p_cap ? p->p_cap * 2 : 8;
		if ((n = realloc(lc->lc_rules, sizeof(*n) * (size_t)cap)) ==
		    NULL) {
			fail(p, LIFECYCLE_NOMEM, NULL);
			return;
		}
		lc->lc_rules = n;
		p->p_cap = cap;
	}
	memset(&lc->lc_rules[lc->lc_n++], 0, sizeof(lc->lc_rules[0]));
}

/* element_begin notes what an element opens (its path is known). */
static void
element_begin(struct lc_parse *p, const char *path)
{
	struct lc_seen *s = &p->p_seen;

	if (strcmp(path, "Rule") == 0) {
		rule_begin(p);
		return;
	}
	if (strncmp(path, "Rule/Filter/", 12) == 0 && p->p_depth == 4)
		s->ls_filter_kids++;
	if (strcmp(path, "Rule/Filter/Tag") == 0 ||
	    strcmp(path, "Rule/Filter/And/Tag") == 0)
		s->ls_tag_key = s->ls_tag_value = false;
	if (strcmp(path, "Rule/Filter") == 0)
		s->ls_filter = true;
	else if (strcmp(path, "Rule/Expiration") == 0)
		s->ls_exp = true;
	else if (strcmp(path, "Rule/NoncurrentVersionExpiration") == 0)
		s->ls_nve = true;
	else if (strcmp(path, "Rule/AbortIncompleteMultipartUpload") == 0)
		s->ls_abort = true;
}

static void
on_start(void *arg, const char *name, const char **attrs)
{
	struct lc_parse *p = arg;
	size_t len = p->p_pathlen[p->p_depth], nlen = strlen(name);

	(void)attrs;
	p->p_textlen = 0;
	p->p_text_long = false;
	if (p->p_depth == 0) {
		if (strcmp(name, "LifecycleConfiguration") != 0)
			fail(p, LIFECYCLE_MALFORMED, NULL);
		p->p_pathlen[++p->p_depth] = 0;
		return;
	}
	if (p->p_deep > 0 || p->p_depth >= LC_DEPTHMAX ||
	    len + nlen + 2 > sizeof(p->p_path)) {
		fail(p, LIFECYCLE_MALFORMED, NULL);
		p->p_deep++;
		return;
	}
	if (len > 0)
		p->p_path[len++] = '/';
	memcpy(p->p_path + len, name, nlen + 1);
	p->p_pathlen[++p->p_depth] = len + nlen;
	if (strcmp(p->p_path, "Rule/Transition") == 0 ||
	    strcmp(p->p_path, "Rule/NoncurrentVersionTransition") == 0)
		fail(p, LIFECYCLE_NOT_IMPLEMENTED, "cairn has one storage "
		    "class: lifecycle transitions are not implemented");
	else if (strncmp(p->p_path, "Rule/Transition/", 16) == 0 ||
	    strncmp(p->p_path, "Rule/NoncurrentVersionTransition/", 33) == 0)
		return;
	else if (!path_known(p->p_path))
		fail(p, LIFECYCLE_MALFORMED, NULL);
	else if (p->p_lc->lc_n > 0 || strcmp(p->p_path, "Rule") == 0)
		element_begin(p, p->p_path);
}

/* once marks a single element seen; a second one is malformed. */
static bool
once(struct lc_parse *p, bool *seen)
{
	if (*seen) {
		fail(p, LIFECYCLE_MALFORMED, NULL);
		return false;
	}
	*seen = true;
	return true;
}

/* leaf_tag takes a Key or Value of a filter's Tag. */
static void
leaf_tag(struct lc_parse *p, struct lifecycle_rule *r, bool key)
{
	struct lc_seen *s = &p->p_seen;
	struct lifecycle_tag *t;
	int i;

	if (key) {
		if (once(p, &s->ls_tag_key) && p->p_textlen <= LC_TAGKEYMAX)
			memcpy(p->p_tag_key, p->p_text, p->p_textlen + 1);
		else
			p->p_tag_key[0] = '\0';	/* refused with the value */
		return;
	}
	if (!once(p, &s->ls_tag_value))
		return;
	if (!s->ls_tag_key || p->p_tag_key[0] == '\0' ||
	    strlen(p->p_tag_key) > LC_TAGKEYMAX ||
	    strlen(p->p_text) > LC_TAGVALMAX) {
		fail(p, LIFECYCLE_INVALID_ARGUMENT, "The tag provided was not "
		    "a valid tag.");
		return;
	}
	for (i = 0; i < r->lr_ntags; i++)
		if (strcmp(r->lr_tags[i].lt_key, p->p_tag_key) == 0) {
			fail(p, LIFECYCLE_INVALID_ARGUMENT, "Duplicate Tag "
			    "Keys are not allowed.");
			return;
		}
	if (r->lr_ntags == LIFECYCLE_TAGMAX) {
		fail(p, LIFECYCLE_INVALID_ARGUMENT, "A Filter may contain at "
		    "most 10 Tags.");
		return;
	}
	t = &r->lr_tags[r->lr_ntags++];
	if ((t->lt_key = strdup(p->p_tag_key)) == NULL ||
	    (t->lt_value = strdup(p->p_text)) == NULL)
		fail(p, LIFECYCLE_NOMEM, NULL);
}

/* leaf_size takes ObjectSizeGreaterThan or ObjectSizeLessThan. */
static void
leaf_size(struct lc_parse *p, struct lifecycle_rule *r, bool greater)
{
	long long v;

	if (!parse_int(p, p->p_text, greater ? 0 : 1, 5LL << 40, &v,
	    greater ? "'ObjectSizeGreaterThan' must be a non-negative "
	    "integer" : "'ObjectSizeLessThan' must be a positive integer"))
		return;
	if (greater && once(p, &r->lr_has_gt))
		r->lr_size_gt = (uint64_t)v;
	else if (!greater && once(p, &r->lr_has_lt))
		r->lr_size_lt = (uint64_t)v;
}

/* leaf_filter takes a leaf under Filter (and under And). */
static void
leaf_filter(struct lc_parse *p, struct lifecycle_rule *r, const char *leaf)
{
	if (strcmp(leaf, "Prefix") == 0)
		dup_text(p, &r->lr_prefix);
	else if (strcmp(leaf, "Tag/Key") == 0)
		leaf_tag(p, r, true);
	else if (strcmp(leaf, "Tag/Value") == 0)
		leaf_tag(p, r, false);
	else if (strcmp(leaf, "ObjectSizeGreaterThan") == 0)
		leaf_size(p, r, true);
	else if (strcmp(leaf, "ObjectSizeLessThan") == 0)
		leaf_size(p, r, false);
}

/* leaf_status reads Enabled or Disabled; anything else is malformed. */
static void
leaf_status(struct lc_parse *p, struct lifecycle_rule *r)
{
	if (!once(p, &p->p_seen.ls_status))
		return;
	if (strcmp(p->p_text, "Enabled") == 0)
		r->lr_enabled = true;
	else if (strcmp(p->p_text, "Disabled") != 0)
		fail(p, LIFECYCLE_MALFORMED, NULL);
}

/* leaf_marker reads ExpiredObjectDeleteMarker: true or false. */
static void
leaf_marker(struct lc_parse *p, struct lifecycle_rule *r)
{
	if (!once(p, &p->p_seen.ls_marker))
		return;
	if (strcmp(p->p_text, "true") == 0)
		r->lr_exp_marker = true;
	else if (strcmp(p->p_text, "false") != 0)
		fail(p, LIFECYCLE_MALFORMED, NULL);
}

/* leaf_action takes a leaf of an action element. */
static void
leaf_action(struct lc_parse *p, struct lifecycle_rule *r, const char *path)
{
	struct lc_seen *s = &p->p_seen;
	long long v;

	if (strcmp(path, "Expiration/Days") == 0) {
		if (once(p, &s->ls_days))
			r->lr_exp_days = days_of(p, "Days", "Expiration");
	} else if (strcmp(path, "Expiration/Date") == 0) {
		if (once(p, &s->ls_date))
			parse_date(p, r);
	} else if (strcmp(path, "Expiration/ExpiredObjectDeleteMarker") == 0)
		leaf_marker(p, r);
	else if (strcmp(path, "NoncurrentVersionExpiration/NoncurrentDays") ==
	    0) {
		if (once(p, &s->ls_nc_days))
			r->lr_nc_days = days_of(p, "NoncurrentDays",
			    "NoncurrentVersionExpiration");
	} else if (strcmp(path, "NoncurrentVersionExpiration/"
	    "NewerNoncurrentVersions") == 0) {
		if (parse_int(p, p->p_text, 1, 100, &v, "'NewerNoncurrent"
		    "Versions' for NoncurrentVersionExpiration action must be "
		    "a positive integer up to 100"))
			r->lr_nc_newer = (uint32_t)v;
	} else if (strcmp(path, "AbortIncompleteMultipartUpload/"
	    "DaysAfterInitiation") == 0 && once(p, &s->ls_ab_days))
		r->lr_abort_days = days_of(p, "DaysAfterInitiation",
		    "AbortIncompleteMultipartUpload");
}

/* leaf takes the text of an element that ended, by its path. */
static void
leaf(struct lc_parse *p, const char *path)
{
	struct lifecycle_rule *r = cur(p);

	if (strcmp(path, "ID") == 0) {
		if (once(p, &p->p_seen.ls_id))
			dup_text(p, &r->lr_id);
	} else if (strcmp(path, "Status") == 0)
		leaf_status(p, r);
	else if (strcmp(path, "Prefix") == 0) {
		if (once(p, &p->p_seen.ls_prefix))
			dup_text(p, &r->lr_prefix);
	} else if (strncmp(path, "Filter/And/", 11) == 0)
		leaf_filter(p, r, path + 11);
	else if (strncmp(path, "Filter/", 7) == 0)
		leaf_filter(p, r, path + 7);
	else
		leaf_action(p, r, path);
}

/* utf8_chars counts the characters of s (bytes not starting one). */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* rule_actions checks the actions of a rule that ended. */
static void
rule_actions(struct lc_parse *p, struct lifecycle_rule *r)
{
	struct lc_seen *s = &p->p_seen;

	if (!s->ls_exp && !s->ls_nve && !s->ls_abort)
		fail(p, LIFECYCLE_INVALID_REQUEST, "At least one action needs "
		    "to be specified in a rule");
	else if (s->ls_exp && !s->ls_days && !s->ls_date && !s->ls_marker)
		fail(p, LIFECYCLE_MALFORMED, NULL);
	else if (s->ls_days && s->ls_date)
		fail(p, LIFECYCLE_MALFORMED, NULL);
	else if (s->ls_marker && (s->ls_days || s->ls_date))
		fail(p, LIFECYCLE_INVALID_REQUEST, "ExpiredObjectDeleteMarker "
		    "cannot be specified with Days or Date in a Lifecycle "
		    "Expiration Policy.");
	else if ((s->ls_nve && !s->ls_nc_days) ||
	    (s->ls_abort && !s->ls_ab_days))
		fail(p, LIFECYCLE_MALFORMED, NULL);
	else if (s->ls_abort && r->lr_ntags > 0)
		fail(p, LIFECYCLE_INVALID_REQUEST, "AbortIncompleteMultipart"
		    "Upload cannot be specified with Tags.");
	else if (r->lr_exp_marker && r->lr_ntags > 0)
		fail(p, LIFECYCLE_INVALID_REQUEST, "ExpiredObjectDeleteMarker "
		    "cannot be specified with Tags.");
}

/* rule_end checks a whole rule against S3's rules and the rules before. */
static void
rule_end(struct lc_parse *p)
{
	struct lifecycle_rule *r = cur(p);
	struct lc_seen *s = &p->p_seen;
	int i;

	if (!s->ls_status || (s->ls_prefix && s->ls_filter) ||
	    s->ls_filter_kids > 1 + (r->lr_has_gt && r->lr_has_lt))
		fail(p, LIFECYCLE_MALFORMED, NULL);
	if (r->lr_id != NULL && utf8_chars(r->lr_id) > LIFECYCLE_IDMAX)
		fail(p, LIFECYCLE_INVALID_ARGUMENT, "ID length should not "
		    "exceed allowed limit of 255");
	if (r->lr_has_gt && r->lr_has_lt && r->lr_size_gt >= r->lr_size_lt)
		fail(p, LIFECYCLE_INVALID_ARGUMENT, "'ObjectSizeGreaterThan' "
		    "must be less than 'ObjectSizeLessThan'");
	rule_actions(p, r);
	if (r->lr_prefix == NULL && (r->lr_prefix = strdup("")) == NULL)
		fail(p, LIFECYCLE_NOMEM, NULL);
	if (r->lr_id == NULL || r->lr_id[0] == '\0')
		return;
	for (i = 0; i < p->p_lc->lc_n - 1; i++)
		if (p->p_lc->lc_rules[i].lr_id != NULL &&
		    strcmp(p->p_lc->lc_rules[i].lr_id, r->lr_id) == 0) {
			fail(p, LIFECYCLE_INVALID_ARGUMENT, "Rule ID must be "
			    "unique. Found same ID for more than one rule");
			return;
		}
}

static void
on_end(void *arg, const char *name)
{
	struct lc_parse *p = arg;

	(void)name;
	p->p_text[p->p_textlen] = '\0';
	if (p->p_deep > 0) {
		p->p_deep--;
		return;
	}
	if (p->p_text_long)
		fail(p, LIFECYCLE_INVALID_ARGUMENT, "A value is too long");
	else if (p->p_err == LIFECYCLE_OK && p->p_depth > 1 &&
	    p->p_lc->lc_n > 0 && strncmp(p->p_path, "Rule/", 5) == 0)
		leaf(p, p->p_path + 5);
	else if (p->p_err == LIFECYCLE_OK && p->p_depth == 2 &&
	    p->p_lc->lc_n > 0)
		rule_end(p);
	p->p_textlen = 0;
	p->p_text_long = false;
	p->p_depth--;
	p->p_path[p->p_pathlen[p->p_depth]] = '\0';
}

static void
on_text(void *arg, const char *s, int len)
{
	struct lc_parse *p = arg;

	if (!xml_text_add(p->p_text, sizeof(p->p_text), &p->p_textlen, s, len))
		p->p_text_long = true;
}

static const struct xml_sax lc_sax = { on_start, on_end, on_text };

/* --- the interface ----------------------------------------------------------- */

enum lifecycle_err
lifecycle_parse(const char *xml, size_t len, struct lifecycle *lc, char *msg,
    size_t msglen)
{
	struct lc_parse *p;
	enum lifecycle_err e;
	int rc;

	memset(lc, 0, sizeof(*lc));
	msg[0] = '\0';
	if (len > LIFECYCLE_BODYMAX)
		return LIFECYCLE_MALFORMED;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return LIFECYCLE_NOMEM;
	p->p_lc = lc;
	p->p_msg = msg;
	p->p_msglen = msglen;
	rc = xml_parse(xml, len, &lc_sax, p);
	if (rc == CAIRN_ENOMEM)
		fail(p, LIFECYCLE_NOMEM, NULL);
	else if (rc != 0 || lc->lc_n == 0)
		fail(p, LIFECYCLE_MALFORMED, NULL);
	e = p->p_err;
	free(p);
	if (e != LIFECYCLE_OK)
		lifecycle_free(lc);
	return e;
}

void
lifecycle_free(struct lifecycle *lc)
{
	struct lifecycle_rule *r;
	int i, j;

	for (i = 0; i < lc->lc_n; i++) {
		r = &lc->lc_rules[i];
		free(r->lr_id);
		free(r->lr_prefix);
		for (j = 0; j < r->lr_ntags; j++) {
			free(r->lr_tags[j].lt_key);
			free(r->lr_tags[j].lt_value);
		}
	}
	free(lc->lc_rules);
	memset(lc, 0, sizeof(*lc));
}

/*
 * decoded_eq tells whether len bytes of URL-encoded s decode to want.
 * The stored tag set was encoded by the gateway, so it is well formed.
 */
static bool
decoded_eq(const char *s, size_t len, const char *want)
{
	size_t i = 0;
	int c;

	while (i < len) {
		if ((c = util_pct_next(s, len, &i, true)) < 0 ||
		    (unsigned char)*want++ != c)
			return false;
	}
	return *want == '\0';
}

/* has_tag tells whether the stored tag set holds key=value. */
static bool
has_tag(const char *tags, size_t tlen, const struct lifecycle_tag *t)
{
	const char *end = tags + tlen, *amp, *eq;

	for (; tags < end; tags = amp + 1) {
		if ((amp = memchr(tags, '&', (size_t)(end - tags))) == NULL)
			amp = end;
		if ((eq = memchr(tags, '=', (size_t)(amp - tags))) == NULL)
			eq = amp;
		if (decoded_eq(tags, (size_t)(eq - tags), t->lt_key))
			return decoded_eq(eq + (eq < amp), (size_t)(amp - eq -
			    (eq < amp)), t->lt_value);
	}
	return false;
}

bool
lifecycle_match(const struct lifecycle_rule *r, const char *key, size_t klen,
    uint64_t size, const char *tags, size_t tlen)
{
	size_t plen = strlen(r->lr_prefix);
	int i;

	if (plen > klen || memcmp(key, r->lr_prefix, plen) != 0)
		return false;
	if ((r->lr_has_gt && size <= r->lr_size_gt) ||
	    (r->lr_has_lt && size >= r->lr_size_lt))
		return false;
	for (i = 0; i < r->lr_ntags; i++)
		if (!has_tag(tags, tlen, &r->lr_tags[i]))
			return false;
	return true;
}

uint64_t
lifecycle_due_s(uint64_t made_ns, uint32_t days, uint32_t day_s)
{
	uint64_t ns = made_ns + (uint64_t)days * day_s * 1000000000ull;
	uint64_t day_ns = (uint64_t)day_s * 1000000000ull;

	return (ns + day_ns - 1) / day_ns * day_s;
}

uint64_t
lifecycle_expiry_s(const struct lifecycle_rule *r, uint64_t mtime_ns,
    uint32_t day_s)
{
	if (r->lr_exp_days > 0)
		return lifecycle_due_s(mtime_ns, r->lr_exp_days, day_s);
	if (r->lr_has_date)
		return r->lr_date_s < 0 ? 0 : (uint64_t)r->lr_date_s;
	return UINT64_MAX;
}

uint64_t
lifecycle_noncurrent_s(const struct lifecycle_rule *r, uint64_t since_ns,
    uint32_t newer, uint32_t day_s)
{
	if (r->lr_nc_days == 0 || newer < r->lr_nc_newer)
		return UINT64_MAX;
	return lifecycle_due_s(since_ns, r->lr_nc_days, day_s);
}

uint64_t
lifecycle_marker_s(const struct lifecycle_rule *r, uint64_t mtime_ns,
    uint32_t day_s)
{
	if (r->lr_exp_marker)
		return 0;
	if (r->lr_exp_days > 0)
		return lifecycle_due_s(mtime_ns, r->lr_exp_days, day_s);
	return UINT64_MAX;
}
