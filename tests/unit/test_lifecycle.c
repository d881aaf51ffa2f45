/* test_lifecycle.c - lifecycle rules: parse, match, due times; metad expiry */
#include "../../metad/meta_db.c"
#include "../../metad/meta_expire.c"
#include "../../metad/meta_upload.c"
#include "../../metad/meta_upload_list.c"
#include "../../metad/meta_bconf.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lifecycle.h"
#include "tap.h"

#define DAY	86400u

static char tmpdir[] = "/tmp/cairn-test-lifecycle.XXXXXX";

/* parse_one parses a document and keeps it in lc; returns the error. */
static enum lifecycle_err
parse_one(const char *xml, struct lifecycle *lc)
{
	char msg[LIFECYCLE_MSGMAX];

	return lifecycle_parse(xml, strlen(xml), lc, msg, sizeof(msg));
}

static void
test_parse(void)
{
	struct lifecycle lc;
	const struct lifecycle_rule *r;
	const char *xml = "<LifecycleConfiguration><Rule><ID>a</ID><Filter>"
	    "<And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v w</Value>"
	    "</Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan>"
	    "<ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter>"
	    "<Status>Enabled</Status><Expiration><Days>3</Days></Expiration>"
	    "</Rule><Rule><Prefix>x</Prefix><Status>Disabled</Status>"
	    "<Expiration><Date>2030-01-02T00:00:00.000Z</Date></Expiration>"
	    "<AbortIncompleteMultipartUpload><DaysAfterInitiation>2"
	    "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"
	    "</LifecycleConfiguration>";

	is_int(parse_one(xml, &lc), LIFECYCLE_OK, "a two-rule document parses");
	is_int(lc.lc_n, 2, "two rules");
	r = &lc.lc_rules[0];
	ok(r->lr_enabled && strcmp(r->lr_prefix, "logs/") == 0 &&
	    r->lr_ntags == 1 && strcmp(r->lr_tags[0].lt_value, "v w") == 0 &&
	    r->lr_size_gt == 10 && r->lr_size_lt == 100 &&
	    r->lr_exp_days == 3, "the first rule's filter and action");
	r = &lc.lc_rules[1];
	ok(!r->lr_enabled && strcmp(r->lr_prefix, "x") == 0 &&
	    r->lr_has_date && r->lr_date_s == 1893542400 &&
	    r->lr_abort_days == 2, "the second rule: legacy prefix, date");
	ok(lifecycle_match(&lc.lc_rules[0], "logs/a", 6, 50, "k=v%20w", 7),
	    "prefix, URL-encoded tag and size match");
	ok(!lifecycle_match(&lc.lc_rules[0], "logs/a", 6, 100, "k=v%20w", 7),
	    "ObjectSizeLessThan is strict");
	ok(!lifecycle_match(&lc.lc_rules[0], "logs/a", 6, 50, "k=v", 3),
	    "another tag value does not match");
	ok(!lifecycle_match(&lc.lc_rules[0], "log", 3, 50, "k=v%20w", 7),
	    "a shorter key does not match the prefix");
	lifecycle_free(&lc);
	is_int(parse_one("<LifecycleConfiguration><Rule><Status>Enabled"
	    "</Status><Expiration><Days>1</Days></Expiration><Expiration>"
	    "<Days>2</Days></Expiration></Rule></LifecycleConfiguration>",
	    &lc), LIFECYCLE_MALFORMED, "two Days in one rule: malformed");
	is_int(lc.lc_n, 0, "a refused document leaves nothing");
}

/* test_deep feeds elements nested far deeper than any rule has. */
static void
test_deep(void)
{
	struct lifecycle lc;
	char *xml, *p;
	int i;

	if ((xml = malloc(64 * 1024)) == NULL)
		return;
	p = xml + sprintf(xml, "<LifecycleConfiguration><Rule>");
	for (i = 0; i < 1000; i++)
		p += sprintf(p, "<Filter>");
	for (i = 0; i < 1000; i++)
		p += sprintf(p, "</Filter>");
	sprintf(p, "</Rule></LifecycleConfiguration>");
	is_int(parse_one(xml, &lc), LIFECYCLE_MALFORMED,
	    "elements nested 1000 deep: malformed");
	free(xml);
}

static void
test_due(void)
{
	uint64_t s = 1000000000ull;

	/* S3's example: made 2014-01-15 10:30 UTC, 3 days: 2014-01-19 0:00. */
	is_int((long long)lifecycle_due_s(1389781800ull * s, 3, DAY),
	    1390089600, "made 10:30, three days: the midnight after");
	is_int((long long)lifecycle_due_s(1389744000ull * s, 1, DAY),
	    1389830400, "made at midnight: due one day later exactly");
	is_int((long long)lifecycle_due_s(101 * s + 1, 1, 2), 104,
	    "a two-second day rounds up to an even second");
}

static void
test_due_versions(void)
{
	struct lifecycle_rule r;
	uint64_t s = 1000000000ull;

	memset(&r, 0, sizeof(r));
	is_int(lifecycle_noncurrent_s(&r, 0, 5, DAY) == UINT64_MAX, 1,
	    "no NoncurrentDays: a noncurrent version is never due");
	r.lr_nc_days = 3;
	/* Noncurrent since the next version was made, 10:30: rounded. */
	is_int((long long)lifecycle_noncurrent_s(&r, 1389781800ull * s, 0,
	    DAY), 1390089600, "NoncurrentDays 3: the midnight after");
	r.lr_nc_newer = 2;
	is_int(lifecycle_noncurrent_s(&r, 0, 1, DAY) == UINT64_MAX, 1,
	    "NewerNoncurrentVersions 2: the second newest is kept");
	is_int((long long)lifecycle_noncurrent_s(&r, 101 * s + 1, 2, 2), 108,
	    "the third newest is due, rounded to the day");
	memset(&r, 0, sizeof(r));
	is_int(lifecycle_marker_s(&r, 5 * s, DAY) == UINT64_MAX, 1,
	    "no rule for markers: a lone marker stays");
	r.lr_exp_marker = true;
	is_int((long long)lifecycle_marker_s(&r, 5 * s, DAY), 0,
	    "ExpiredObjectDeleteMarker: due at once");
	r.lr_exp_marker = false;
	r.lr_exp_days = 1;
	is_int((long long)lifecycle_marker_s(&r, 101 * s + 1, 2), 104,
	    "Expiration Days: due when an object of its age would be");
}

/* put stores a record of the given mtime and ETag byte under bucket/k. */
static int
put(struct meta_db *db, msgpack_packer *pk, uint64_t mtime, int etag)
{
	struct msg_obj_put p;

	memset(&p, 0, sizeof(p));
	p.p_bucket = proto_str_c("b");
	p.p_key = proto_str_c("k");
	p.p_rec.or_mtime_ns = mtime;
	memset(p.p_rec.or_etag, etag, sizeof(p.p_rec.or_etag));
	p.p_rec.or_inline = true;
	return meta_db_obj_put(db, &p, pk);
}

static void
test_expire(void)
{
	struct msg_bucket b = { .b_name = { "b", 1 } };
	struct msg_obj_expire x;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct meta_db db;
	char path[PATH_MAX];

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	snprintf(path, sizeof(path), "%s/meta", tmpdir);
	is_int(meta_db_open(&db, path), 0, "open a database");
	is_int(meta_db_bucket_create(&db, &b), 0, "a bucket");
	is_int(put(&db, &pk, 5, 1), 0, "a record");
	x.x_bucket = proto_str_c("b");
	x.x_key = proto_str_c("k");
	x.x_mtime_ns = 5;
	memset(x.x_etag, 1, sizeof(x.x_etag));
	is_int(put(&db, &pk, 6, 1), 0, "overwritten with the same bytes");
	is_int(meta_expire(&db, &x, &pk), CAIRN_EPRECONDITION,
	    "expiring the first version: it changed, kept");
	x.x_mtime_ns = 6;
	memset(x.x_etag, 2, sizeof(x.x_etag));
	is_int(meta_expire(&db, &x, &pk), CAIRN_EPRECONDITION,
	    "another ETag: kept");
	memset(x.x_etag, 1, sizeof(x.x_etag));
	is_int(meta_expire(&db, &x, &pk), 0, "the current version: removed");
	is_int(meta_expire(&db, &x, &pk), CAIRN_ENOKEY, "then it is gone");
	meta_db_close(&db);
	msgpack_sbuffer_destroy(&sb);
}

/* vx calls meta_ver_expire for version vid of v/k made at mtime. */
static int
vx(struct meta_db *db, msgpack_packer *pk, const char *vid, uint64_t mtime,
    uint8_t what)
{
	struct msg_ver_expire x;

	x.vx_bucket = proto_str_c("v");
	x.vx_key = proto_str_c("k");
	x.vx_version_id = proto_str_c(vid);
	x.vx_mtime_ns = mtime;
	x.vx_what = what;
	return meta_ver_expire(db, &x, pk);
}

/* vlatest reads the latest record of v/k: its version id into vid. */
static int
vlatest(struct meta_db *db, char *vid, uint64_t *mtime, bool *marker)
{
	struct msg_ver_ref r = { .vr_bucket = { "v", 1 }, .vr_key = { "k", 1 } };
	struct msg_objrec *rec;
	msgpack_unpacked u;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_unpacked_init(&u);
	rec = malloc(sizeof(*rec));
	if ((rc = meta_version_get(db, &r, &pk)) == 0) {
		rc = CAIRN_EPROTO;
		if (msgpack_unpack_next(&u, sb.data, sb.size, NULL) ==
		    MSGPACK_UNPACK_SUCCESS && msg_objrec_unpack(&u.data,
		    rec) == 0) {
			memcpy(vid, rec->or_version_id.ps_ptr,
			    rec->or_version_id.ps_len);
			vid[rec->or_version_id.ps_len] = '\0';
			*mtime = rec->or_mtime_ns;
			*marker = rec->or_delete_marker;
			rc = 0;
		}
	}
	msgpack_unpacked_destroy(&u);
	msgpack_sbuffer_destroy(&sb);
	free(rec);
	return rc;
}

/* vput puts a version of v/k made at mtime with ETag byte 1. */
static int
vput(struct meta_db *db, msgpack_packer *pk, uint64_t mtime)
{
	struct msg_obj_put p;

	memset(&p, 0, sizeof(p));
	p.p_bucket = proto_str_c("v");
	p.p_key = proto_str_c("k");
	p.p_rec.or_mtime_ns = mtime;
	memset(p.p_rec.or_etag, 1, sizeof(p.p_rec.or_etag));
	p.p_rec.or_inline = true;
	return meta_version_put(db, &p, true, 0, pk);
}

static void
test_ver_expire(void)
{
	struct msg_bucket b = { .b_name = { "v", 1 },
	    .b_versioning = BUCKET_VER_ENABLED };
	char path[PATH_MAX], v1[PROTO_VERIDLEN + 1], v2[PROTO_VERIDLEN + 1];
	char mk[PROTO_VERIDLEN + 1];
	struct msg_obj_expire x;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct meta_db db;
	uint64_t mt;
	bool marker;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	snprintf(path, sizeof(path), "%s/meta-v", tmpdir);
	is_int(meta_db_open(&db, path), 0, "open a database");
	is_int(meta_db_bucket_create(&db, &b), 0, "a versioned bucket");
	is_int(vput(&db, &pk, 10) | vlatest(&db, v1, &mt, &marker) |
	    vput(&db, &pk, 20) | vlatest(&db, v2, &mt, &marker), 0,
	    "two versions");
	is_int(vx(&db, &pk, v2, 20, VX_NONCURRENT), CAIRN_EPRECONDITION,
	    "noncurrent expiry of the latest version: refused");
	x.x_bucket = proto_str_c("v");
	x.x_key = proto_str_c("k");
	x.x_mtime_ns = 20;
	memset(x.x_etag, 1, sizeof(x.x_etag));
	is_int(meta_expire(&db, &x, &pk), 0, "expiring the latest version");
	is_int(vlatest(&db, mk, &mt, &marker) == 0 && marker &&
	    strcmp(mk, v2) != 0, 1, "... put a delete marker in front");
	is_int(meta_expire(&db, &x, &pk), CAIRN_EPRECONDITION,
	    "a second expiry finds the marker: nothing to do");
	is_int(vx(&db, &pk, v1, 11, VX_NONCURRENT), CAIRN_ENOVERSION,
	    "another mtime: not that version");
	is_int(vx(&db, &pk, v1, 10, VX_NONCURRENT), 0,
	    "a noncurrent version: removed");
	is_int(vx(&db, &pk, mk, mt, VX_MARKER), CAIRN_EPRECONDITION,
	    "a marker with a version behind it: kept");
	is_int(vx(&db, &pk, v2, 20, VX_NONCURRENT), 0,
	    "the expired version: removed");
	is_int(vx(&db, &pk, mk, mt + 1, VX_MARKER), CAIRN_EPRECONDITION,
	    "a marker of another mtime: kept");
	is_int(vx(&db, &pk, mk, mt, VX_MARKER), 0, "the lone marker: removed");
	is_int(meta_expire(&db, &x, &pk), CAIRN_ENOKEY, "the key is gone");
	meta_db_close(&db);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	char cmd[PATH_MAX + 16];

	log_init("test_lifecycle", 0);
	plan(10 + 1 + 3 + 8 + 7 + 14);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_deep();
	test_due();
	test_expire();
	test_due_versions();
	test_ver_expire();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return tap_done();
}
