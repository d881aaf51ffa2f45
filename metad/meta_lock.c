/* meta_lock.c - object lock: what keeps a version, and default retention */
#define _GNU_SOURCE		/* memmem */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <leveldb/c.h>
#include <msgpack.h>

#include "errors.h"
#include "log.h"
#include "metad.h"
#include "proto.h"
#include "util.h"

/*
 * A version's retention and legal hold are stored response headers of
 * its record, as S3 shows them on GET and HEAD: the lock mode
 * (GOVERNANCE or COMPLIANCE), the date it holds until (ISO 8601, UTC)
 * and the legal hold (ON or OFF).  metad checks them under the key's lock
 * when a version is to be deleted for good, so no delete slips past a
 * retention set at the same moment.
 */

/* lock_hdr finds stored header name of r; NULL if it has none. */
static const struct proto_str *
lock_hdr(const struct msg_objrec *r, const char *name)
{
	uint32_t i;

	for (i = 0; i < r->or_nhdrs; i++)
		if (proto_str_eq(r->or_hdr_name[i], name))
			return &r->or_hdr_value[i];
	return NULL;
}

/* lock_held tells whether rec may not be deleted now. */
static bool
lock_held(const struct msg_objrec *rec, bool bypass, uint64_t now_ns)
{
	const struct proto_str *hold, *mode, *until;
	uint64_t t;

	hold = lock_hdr(rec, META_LOCK_HOLD);
	if (hold != NULL && proto_str_eq(*hold, "ON"))
		return true;
	mode = lock_hdr(rec, META_LOCK_MODE);
	until = lock_hdr(rec, META_LOCK_UNTIL);
	if (mode == NULL || until == NULL || !util_iso_date(until->ps_ptr, until->ps_len, &t) ||
	    t <= now_ns)
		return false;
	return proto_str_eq(*mode, "COMPLIANCE") || !bypass;
}

int
meta_lock_check(const char *val, size_t vlen, bool bypass, uint64_t now_ns)
{
	struct msg_objrec *rec;
	msgpack_unpacked u;
	int rc;

	if ((rec = malloc(sizeof(*rec))) == NULL)
		return CAIRN_ENOMEM;
	msgpack_unpacked_init(&u);
	if ((rc = meta_db_unpack_objrec(&u, val, vlen, rec)) == 0 &&
	    lock_held(rec, bypass, now_ns))
		rc = CAIRN_ELOCKED;
	msgpack_unpacked_destroy(&u);
	free(rec);
	return rc;
}

/* lock_field reads the number or word between <tag> and </tag>. */
static bool
lock_field(const char *doc, size_t len, const char *tag, char *out,
    size_t outlen)
{
	char open[32], close[32];
	const char *b, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((b = memmem(doc, len, open, strlen(open))) == NULL)
		return false;
	b += strlen(open);
	if ((e = memmem(b, len - (size_t)(b - doc), close,
	    strlen(close))) == NULL || (size_t)(e - b) >= outlen)
		return false;
	memcpy(out, b, (size_t)(e - b));
	out[e - b] = '\0';
	return true;
}

/*
 * lock_rule reads the default retention of the bucket's stored
 * ObjectLockConfiguration, which gatewayd writes in one canonical form
 * (docs/meta-format.md): the mode, and the period in days or in years of
 * 365 days.  false if there is none.
 */
static bool
lock_rule(struct meta_db *db, struct proto_str bucket, char *mode,
    uint64_t *days)
{
	char key[1 + PROTO_BUCKETMAX + 1 + PROTO_BCONFKIND], *val, num[24];
	size_t klen, vlen;
	bool ok;

	key[0] = META_K_BCONF;
	memcpy(key + 1, bucket.ps_ptr, bucket.ps_len);
	key[1 + bucket.ps_len] = '\0';
	memcpy(key + 2 + bucket.ps_len, BCONF_OBJECT_LOCK,
	    strlen(BCONF_OBJECT_LOCK));
	klen = 2 + bucket.ps_len + strlen(BCONF_OBJECT_LOCK);
	if (meta_db_get(db, key, klen, &val, &vlen) != 0)
		return false;
	*days = 0;
	ok = lock_field(val, vlen, "Mode", mode, 16);
	if (ok && lock_field(val, vlen, "Days", num, sizeof(num)))
		*days = strtoull(num, NULL, 10);
	else if (ok && lock_field(val, vlen, "Years", num, sizeof(num)))
		*days = strtoull(num, NULL, 10) * 365;
	leveldb_free(val);
	return ok && *days > 0 && *days < 100 * 365 * 1000;
}

int
meta_lock_default(struct meta_db *db, struct proto_str bucket,
    struct msg_objrec *rec, char *mode, char *until)
{
	uint64_t days;
	time_t t;
	struct tm tm;

	if (lock_hdr(rec, META_LOCK_MODE) != NULL ||
	    !lock_rule(db, bucket, mode, &days))
		return 0;
	if (rec->or_nhdrs + 2 > PROTO_HDRMAX)
		return CAIRN_ETOOBIG;
	t = (time_t)(rec->or_mtime_ns / 1000000000u + days * 86400u);
	gmtime_r(&t, &tm);
	strftime(until, META_LOCK_DATELEN, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	rec->or_hdr_name[rec->or_nhdrs] = proto_str_c(META_LOCK_MODE);
	rec->or_hdr_value[rec->or_nhdrs++] = proto_str_c(mode);
	rec->or_hdr_name[rec->or_nhdrs] = proto_str_c(META_LOCK_UNTIL);
	rec->or_hdr_value[rec->or_nhdrs++] = proto_str_c(until);
	return 0;
}
