/* test_policy.c - the bucket policy evaluator and validator */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../gatewayd/s3_error.c"
#include "../../gatewayd/s3_policy.c"

#define ROOT_ID	"0000000000000000000000000000000000000000000000000000000000000000"
#define BOB_ID	"b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
#define HDR	"{\"Version\":\"2012-10-17\",\"Statement\":"

static const struct s3_who who_anon = { S3_WHO_ANON, "", "" };
static const struct s3_who who_root = { S3_WHO_ROOT, "root", ROOT_ID };
static const struct s3_who who_bob = { S3_WHO_USER, "bob", BOB_ID };
static const struct s3_who who_eve = { S3_WHO_USER, "eve", "e" };

/* One evaluation: a policy, a request, the effect expected. */
struct eval_case {
	const char		*ec_name;
	const char		*ec_doc;
	const struct s3_who	*ec_who;
	const char		*ec_action;
	const char		*ec_resource;
	const char		*ec_ip;
	bool			 ec_tls;
	const char		*ec_prefix;
	enum s3_policy_effect	 ec_want;
};

#define ALLOW_BOB_GET HDR "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":" \
	"\"bob\"},\"Action\":\"s3:Get*\",\"Resource\":\"arn:aws:s3:::b/*\"}}"
#define DENY_SECRET HDR "[{\"Effect\":\"Allow\",\"Principal\":\"*\"," \
	"\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::b/*\"}," \
	"{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":[\"*\"]},\"Action\":" \
	"\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/secret/*\"}]}"
#define IP_ONLY HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":" \
	"\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\",\"Condition\":" \
	"{\"IpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"192.168.1.0/24\"]}}}}"
#define NOT_IP HDR "{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":" \
	"\"s3:*\",\"Resource\":\"arn:aws:s3:::b/*\",\"Condition\":" \
	"{\"NotIpAddress\":{\"aws:SourceIp\":\"127.0.0.0/8\"}}}}"
#define TLS_ONLY HDR "{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":" \
	"\"s3:*\",\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"]," \
	"\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}}"
#define PREFIX HDR "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":" \
	"\"arn:aws:iam::cairn:user/bob\"},\"Action\":\"s3:ListBucket\"," \
	"\"Resource\":\"arn:aws:s3:::b\",\"Condition\":{\"StringLike\":" \
	"{\"s3:prefix\":[\"home/bob/*\",\"\"]}}}}"
#define NOT_ACTION HDR "{\"Effect\":\"Allow\",\"Principal\":{\"CanonicalUser\":" \
	"\"" BOB_ID "\"},\"NotAction\":\"s3:Delete*\",\"Resource\":" \
	"\"arn:aws:s3:::b/*\"}}"
#define ROOT_ARN HDR "{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":" \
	"\"arn:aws:iam::123456789012:root\"},\"Action\":\"s3:PutObject\"," \
	"\"Resource\":\"arn:aws:s3:::b/*\"}}"
#define STR_NE HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":" \
	"\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::b\",\"Condition\":" \
	"{\"StringNotEquals\":{\"s3:prefix\":\"private/\"}}}}"

#define TLS_BOOL HDR "{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":" \
	"\"s3:*\",\"Resource\":\"arn:aws:s3:::b/*\",\"Condition\":" \
	"{\"Bool\":{\"aws:SecureTransport\":false}}}}"
#define NULL_PREFIX HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\"," \
	"\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::b\"," \
	"\"Condition\":{\"Null\":{\"s3:prefix\":\"true\"}}}}"

static const struct eval_case eval_cases[] = {
	{ "an Allow for bob lets bob GetObject", ALLOW_BOB_GET, &who_bob,
	    "s3:GetObject", "arn:aws:s3:::b/k", "127.0.0.1", false, NULL,
	    POLICY_ALLOW },
	{ "action wildcards ignore case", ALLOW_BOB_GET, &who_bob,
	    "s3:getobjecttagging", "arn:aws:s3:::b/k", "127.0.0.1", false,
	    NULL, POLICY_ALLOW },
	{ "but not PutObject", ALLOW_BOB_GET, &who_bob, "s3:PutObject",
	    "arn:aws:s3:::b/k", "127.0.0.1", false, NULL, POLICY_NONE },
	{ "nor eve", ALLOW_BOB_GET, &who_eve, "s3:GetObject",
	    "arn:aws:s3:::b/k", "127.0.0.1", false, NULL, POLICY_NONE },
	{ "nor anonymous", ALLOW_BOB_GET, &who_anon, "s3:GetObject",
	    "arn:aws:s3:::b/k", "127.0.0.1", false, NULL, POLICY_NONE },
	{ "nor the bucket itself", ALLOW_BOB_GET, &who_bob, "s3:GetObject",
	    "arn:aws:s3:::b", "127.0.0.1", false, NULL, POLICY_NONE },
	{ "nor another bucket", ALLOW_BOB_GET, &who_bob, "s3:GetObject",
	    "arn:aws:s3:::bb/k", "127.0.0.1", false, NULL, POLICY_NONE },
	{ "Principal * allows anonymous", DENY_SECRET, &who_anon,
	    "s3:GetObject", "arn:aws:s3:::b/public", "127.0.0.1", false, NULL,
	    POLICY_ALLOW },
	{ "an explicit Deny wins over an Allow", DENY_SECRET, &who_bob,
	    "s3:GetObject", "arn:aws:s3:::b/secret/x", "127.0.0.1", false,
	    NULL, POLICY_DENY },
	{ "and binds root too", DENY_SECRET, &who_root, "s3:GetObject",
	    "arn:aws:s3:::b/secret/x", "127.0.0.1", false, NULL, POLICY_DENY },
	{ "the Deny is for GetObject only", DENY_SECRET, &who_bob,
	    "s3:PutObject", "arn:aws:s3:::b/secret/x", "127.0.0.1", false,
	    NULL, POLICY_ALLOW },
	{ "IpAddress matches inside the range", IP_ONLY, &who_anon,
	    "s3:GetObject", "arn:aws:s3:::b/k", "10.1.2.3", false, NULL,
	    POLICY_ALLOW },
	{ "IpAddress matches the second range", IP_ONLY, &who_anon,
	    "s3:GetObject", "arn:aws:s3:::b/k", "192.168.1.77", false, NULL,
	    POLICY_ALLOW },
	{ "IpAddress does not match outside", IP_ONLY, &who_anon,
	    "s3:GetObject", "arn:aws:s3:::b/k", "192.168.2.1", false, NULL,
	    POLICY_NONE },
	{ "IpAddress does not match IPv6", IP_ONLY, &who_anon,
	    "s3:GetObject", "arn:aws:s3:::b/k", "::1", false, NULL,
	    POLICY_NONE },
	{ "NotIpAddress denies from elsewhere", NOT_IP, &who_bob,
	    "s3:GetObject", "arn:aws:s3:::b/k", "10.0.0.1", false, NULL,
	    POLICY_DENY },
	{ "NotIpAddress spares loopback", NOT_IP, &who_bob, "s3:GetObject",
	    "arn:aws:s3:::b/k", "127.0.0.1", false, NULL, POLICY_NONE },
	{ "SecureTransport false is denied", TLS_ONLY, &who_bob,
	    "s3:ListBucket", "arn:aws:s3:::b", "127.0.0.1", false, NULL,
	    POLICY_DENY },
	{ "over TLS it is not", TLS_ONLY, &who_bob, "s3:ListBucket",
	    "arn:aws:s3:::b", "127.0.0.1", true, NULL, POLICY_NONE },
	{ "s3:prefix StringLike matches", PREFIX, &who_bob, "s3:ListBucket",
	    "arn:aws:s3:::b", "127.0.0.1", false, "home/bob/docs/", POLICY_ALLOW },
	{ "s3:prefix StringLike matches an empty prefix", PREFIX, &who_bob,
	    "s3:ListBucket", "arn:aws:s3:::b", "127.0.0.1", false, "",
	    POLICY_ALLOW },
	{ "s3:prefix StringLike refuses another", PREFIX, &who_bob,
	    "s3:ListBucket", "arn:aws:s3:::b", "127.0.0.1", false, "home/eve/",
	    POLICY_NONE },
	{ "s3:prefix absent fails StringLike", PREFIX, &who_bob,
	    "s3:ListBucket", "arn:aws:s3:::b", "127.0.0.1", false, NULL,
	    POLICY_NONE },
	{ "a user ARN names the user", PREFIX, &who_eve, "s3:ListBucket",
	    "arn:aws:s3:::b", "127.0.0.1", false, "home/bob/", POLICY_NONE },
	{ "NotAction allows what it does not list", NOT_ACTION, &who_bob,
	    "s3:PutObject", "arn:aws:s3:::b/k", "127.0.0.1", false, NULL,
	    POLICY_ALLOW },
	{ "NotAction leaves out what it lists", NOT_ACTION, &who_bob,
	    "s3:DeleteObject", "arn:aws:s3:::b/k", "127.0.0.1", false, NULL,
	    POLICY_NONE },
	{ "an account root ARN names root", ROOT_ARN, &who_root,
	    "s3:PutObject", "arn:aws:s3:::b/k", "127.0.0.1", false, NULL,
	    POLICY_DENY },
	{ "and not a user", ROOT_ARN, &who_bob, "s3:PutObject",
	    "arn:aws:s3:::b/k", "127.0.0.1", false, NULL, POLICY_NONE },
	{ "StringNotEquals holds for another value", STR_NE, &who_anon,
	    "s3:ListBucket", "arn:aws:s3:::b", "127.0.0.1", false, "public/",
	    POLICY_ALLOW },
	{ "StringNotEquals fails for the value", STR_NE, &who_anon,
	    "s3:ListBucket", "arn:aws:s3:::b", "127.0.0.1", false, "private/",
	    POLICY_NONE },
	{ "StringNotEquals holds for an absent key", STR_NE, &who_anon,
	    "s3:ListBucket", "arn:aws:s3:::b", "127.0.0.1", false, NULL,
	    POLICY_ALLOW },
	{ "a JSON false is the text false", TLS_BOOL, &who_anon,
	    "s3:GetObject", "arn:aws:s3:::b/k", "127.0.0.1", false, NULL,
	    POLICY_DENY },
	{ "Null true holds for an absent key", NULL_PREFIX, &who_bob,
	    "s3:ListBucket", "arn:aws:s3:::b", "127.0.0.1", false, NULL,
	    POLICY_ALLOW },
	{ "Null true fails for a present key", NULL_PREFIX, &who_bob,
	    "s3:ListBucket", "arn:aws:s3:::b", "127.0.0.1", false, "x/",
	    POLICY_NONE },
};

static void
test_eval(void)
{
	const struct eval_case *c;
	struct s3_policy_ctx ctx;
	size_t i;

	for (i = 0; i < sizeof(eval_cases) / sizeof(eval_cases[0]); i++) {
		c = &eval_cases[i];
		memset(&ctx, 0, sizeof(ctx));
		ctx.pc_who = c->ec_who;
		ctx.pc_action = c->ec_action;
		ctx.pc_resource = c->ec_resource;
		ctx.pc_ip = c->ec_ip;
		ctx.pc_tls = c->ec_tls;
		ctx.pc_prefix = c->ec_prefix;
		is_int(s3_policy_eval(c->ec_doc, strlen(c->ec_doc), &ctx),
		    c->ec_want, "%s", c->ec_name);
	}
}

/* One validation: a document and the message expected (NULL: valid). */
struct valid_case {
	const char	*vc_doc;
	const char	*vc_msg;
};

static const struct valid_case valid_cases[] = {
	{ ALLOW_BOB_GET, NULL },
	{ DENY_SECRET, NULL },
	{ IP_ONLY, NULL },
	{ TLS_ONLY, NULL },
	{ PREFIX, NULL },
	{ NOT_ACTION, NULL },
	{ "{\"Statement\":", "Policies must be valid JSON and the first byte "
	    "must be '{'" },
	{ "[1,2]", "Policies must be valid JSON and the first byte must be "
	    "'{'" },
	{ "{} trailing", "Policies must be valid JSON and the first byte must "
	    "be '{'" },
	{ "{\"Version\":\"2012-10-17\"}", "Missing required field Statement" },
	{ "{\"Version\":\"1999\",\"Statement\":[]}",
	    "The policy must contain a valid version string" },
	{ HDR "{\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}",
	    "Missing required field Effect" },
	{ HDR "{\"Effect\":\"Maybe\",\"Principal\":\"*\",\"Action\":\"s3:*\","
	    "\"Resource\":\"*\"}}", "Invalid effect" },
	{ HDR "{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}",
	    "Missing required field Principal" },
	{ HDR "{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"x\"},"
	    "\"Action\":\"s3:*\",\"Resource\":\"*\"}}",
	    "Invalid principal in policy" },
	{ HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Resource\":\"*\"}}",
	    "Missing required field Action" },
	{ HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
	    "\"s3:Teleport\",\"Resource\":\"*\"}}", "Policy has invalid action" },
	{ HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
	    "\"ec2:RunInstances\",\"Resource\":\"*\"}}",
	    "Policy has invalid action" },
	{ HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
	    "\"s3:Get*\"}}", "Missing required field Resource" },
	{ HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
	    "\"s3:Get*\",\"Resource\":\"arn:aws:s3:::other/*\"}}",
	    "Policy has invalid resource" },
	{ HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
	    "\"s3:Get*\",\"Resource\":\"arn:aws:s3:::b/*\",\"Condition\":"
	    "{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2020-01-01\"}}}}",
	    "Policy has an invalid condition operator" },
	{ HDR "{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
	    "\"s3:Get*\",\"Resource\":\"arn:aws:s3:::b/*\",\"Condition\":"
	    "{\"StringEqualsIfExists\":{\"s3:prefix\":\"a\"}}}}", NULL },
};

static void
test_validate(void)
{
	const struct valid_case *c;
	const char *msg;
	enum s3_err e;
	size_t i;

	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		c = &valid_cases[i];
		msg = NULL;
		e = s3_policy_validate(c->vc_doc, strlen(c->vc_doc),
		    proto_str_c("b"), &msg);
		if (c->vc_msg == NULL)
			ok(e == S3E_NONE, "valid #%zu (%s)", i, msg ? msg : "");
		else
			ok(e == S3E_MALFORMED_POLICY && msg != NULL &&
			    strcmp(msg, c->vc_msg) == 0, "refused: %s (got %s)",
			    c->vc_msg, msg ? msg : "none");
	}
}

/* test_bounds: an oversized document is refused before parsing. */
static void
test_bounds(void)
{
	struct s3_policy_ctx ctx = { .pc_who = &who_bob,
	    .pc_action = "s3:GetObject", .pc_resource = "arn:aws:s3:::b/k" };
	const char *msg = NULL;
	char *big;

	if ((big = malloc(POLICY_MAX + 2)) == NULL)
		exit(1);
	memset(big, ' ', POLICY_MAX + 1);
	big[0] = '{';
	big[POLICY_MAX] = '}';
	big[POLICY_MAX + 1] = '\0';
	ok(s3_policy_validate(big, POLICY_MAX + 1, proto_str_c("b"), &msg) ==
	    S3E_MALFORMED_POLICY && strcmp(msg, "Policies cannot exceed 20 KB")
	    == 0, "a policy over 20 KB is refused");
	is_int(s3_policy_eval(big, POLICY_MAX + 1, &ctx), POLICY_NONE,
	    "and never evaluated");
	is_int(s3_policy_eval("not json", 8, &ctx), POLICY_NONE,
	    "a broken document allows nothing");
	free(big);
}

/* test_wild: the wildcard matcher on its edges. */
static void
test_wild(void)
{
	ok(wild("a*b*c", "axxbyyc", false), "a*b*c matches axxbyyc");
	ok(!wild("a*b*c", "axxbyy", false), "a*b*c does not match axxbyy");
	ok(wild("a?c", "abc", false) && !wild("a?c", "ac", false),
	    "? is exactly one byte");
	ok(wild("*", "", false) && wild("**", "x", false), "* matches anything");
	ok(!wild("ABC", "abc", false) && wild("ABC", "abc", true),
	    "case only when asked");
	ok(cidr_match("0.0.0.0/0", "8.8.8.8") && cidr_match("10.0.0.1",
	    "10.0.0.1") && !cidr_match("10.0.0.0/33", "10.0.0.1"),
	    "CIDR: /0, a single address, a bad length");
	ok(cidr_match("2001:db8::/32", "2001:db8:1::5") &&
	    !cidr_match("2001:db8::/32", "2001:db9::1"), "CIDR: IPv6");
	ok(cidr_match("127.0.0.0/8", "::ffff:127.0.0.1") &&
	    !cidr_match("10.0.0.0/8", "::FFFF:127.0.0.1"),
	    "CIDR: an IPv4-mapped client address");
}

int
main(void)
{
	plan((int)(sizeof(eval_cases) / sizeof(eval_cases[0]) +
	    sizeof(valid_cases) / sizeof(valid_cases[0])) + 3 + 8);
	test_eval();
	test_validate();
	test_bounds();
	test_wild();
	return tap_done();
}
