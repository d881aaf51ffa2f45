/* lifecycle.h - S3 bucket lifecycle configurations: parse, check, match */
#ifndef CAIRN_LIFECYCLE_H
#define CAIRN_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIFECYCLE_RULEMAX	1000	/* rules in one configuration, as S3 */
#define LIFECYCLE_IDMAX		255	/* characters of a rule ID */
#define LIFECYCLE_TAGMAX	10	/* tags in one rule's filter */
#define LIFECYCLE_BODYMAX	(1u << 20)	/* the XML document, bytes */
#define LIFECYCLE_MSGMAX	160	/* the message of a refusal */

/* Why a document was refused; the gateway maps each to one S3 error. */
enum lifecycle_err {
	LIFECYCLE_OK = 0,
	LIFECYCLE_MALFORMED,		/* MalformedXML */
	LIFECYCLE_INVALID_ARGUMENT,	/* InvalidArgument */
	LIFECYCLE_INVALID_REQUEST,	/* InvalidRequest */
	LIFECYCLE_NOT_IMPLEMENTED,	/* NotImplemented: transitions */
	LIFECYCLE_NOMEM,
};

/* One tag of a filter; key and value are malloc'd, NUL-terminated. */
struct lifecycle_tag {
	char		*lt_key;
	char		*lt_value;
};

/*
 * One rule, as checked.  Strings are malloc'd (lr_prefix is "" when the
 * rule has none).  A number that was absent is 0 (days are positive when
 * present); lr_date_s is the Expiration Date in seconds since 1970.
 */
struct lifecycle_rule {
	char			*lr_id;
	bool			 lr_enabled;
	char			*lr_prefix;
	int			 lr_ntags;
	struct lifecycle_tag	 lr_tags[LIFECYCLE_TAGMAX];
	bool			 lr_has_gt, lr_has_lt;
	uint64_t		 lr_size_gt;	/* ObjectSizeGreaterThan */
	uint64_t		 lr_size_lt;	/* ObjectSizeLessThan */
	uint32_t		 lr_exp_days;
	bool			 lr_has_date;
	int64_t			 lr_date_s;
	bool			 lr_exp_marker;	/* ExpiredObjectDeleteMarker */
	uint32_t		 lr_nc_days;	/* NoncurrentDays */
	uint32_t		 lr_nc_newer;	/* NewerNoncurrentVersions */
	uint32_t		 lr_abort_days;	/* DaysAfterInitiation */
};

/* A whole configuration; owned by whoever parsed it. */
struct lifecycle {
	int			 lc_n;
	struct lifecycle_rule	*lc_rules;	/* malloc'd, lc_n of them */
};

/*
 * lifecycle_parse reads a LifecycleConfiguration document (len bytes,
 * no external entities or DTD) into lc and checks it as S3 does.  On
 * refusal, msg gets S3's message (empty: the error's default) and lc is
 * left empty.  On success the caller frees lc with lifecycle_free.
 */
enum lifecycle_err lifecycle_parse(const char *xml, size_t len,
    struct lifecycle *lc, char *msg, size_t msglen);

/* lifecycle_free releases what lifecycle_parse made. */
void lifecycle_free(struct lifecycle *lc);

/*
 * lifecycle_match tells whether an object of key (klen bytes), size and
 * stored tag set (URL query form "k1=v1&k2=v2", tlen bytes) is under the
 * rule's filter.
 */
bool lifecycle_match(const struct lifecycle_rule *r, const char *key,
    size_t klen, uint64_t size, const char *tags, size_t tlen);

/*
 * lifecycle_due_s returns when something made at made_ns (wall clock)
 * is due days later: made + days * day_s, rounded up to the next
 * multiple of day_s since 1970 (midnight UTC when day_s is 86400), as
 * S3 rounds to the next midnight.
 */
uint64_t lifecycle_due_s(uint64_t made_ns, uint32_t days, uint32_t day_s);

/* lifecycle_expiry_s returns when the rule expires a current version
 * made at mtime_ns (UINT64_MAX: never; it has no Days or Date). */
uint64_t lifecycle_expiry_s(const struct lifecycle_rule *r, uint64_t mtime_ns,
    uint32_t day_s);

/*
 * lifecycle_noncurrent_s returns when the rule removes a noncurrent
 * version that became noncurrent at since_ns (the mtime of the next newer
 * version) and has newer noncurrent versions newer than itself: since +
 * NoncurrentDays, rounded as lifecycle_due_s, once at least
 * NewerNoncurrentVersions are newer (UINT64_MAX: never).
 */
uint64_t lifecycle_noncurrent_s(const struct lifecycle_rule *r,
    uint64_t since_ns, uint32_t newer, uint32_t day_s);

/*
 * lifecycle_marker_s returns when the rule removes a delete marker made
 * at mtime_ns that is the only version left of its key: at once with
 * ExpiredObjectDeleteMarker, when Expiration Days would expire an object
 * of that age otherwise, as S3 does (UINT64_MAX: never).
 */
uint64_t lifecycle_marker_s(const struct lifecycle_rule *r, uint64_t mtime_ns,
    uint32_t day_s);

#endif
