#!/bin/bash
# t_users.sh - cairn user, two users' buckets, bucket policies and ACLs
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

BOB_AK=BOBACCESSKEY00000001
BOB_SK=bobSecretKey+00000000000000000000000000

# as USER_AK USER_SK COMMAND...: run COMMAND with a user's credentials.
as() {
	local ak=$1 sk=$2

	shift 2
	AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk "$@"
}

# anon_get NAME PATH: an unsigned GET with curl; prints the status.
anon_get() {
	curl -s -o "$TESTDIR/$1.b" -w '%{http_code}' "http://$ADDR$2"
}

is_denied_xml() {
	grep -q '<Code>AccessDenied</Code>' "$TESTDIR/$1.b" ||
	    { cat "$TESTDIR/$1.b"; return 1; }
}

# run_py runs users.py and turns each of its results into one of ours.
run_py() {
	local line plan="" n=0

	"$PY" "$top_srcdir/tests/integration/users.py" "http://$ADDR" \
	    "$ALICE_AK" "$ALICE_SK" "$BOB_AK" "$BOB_SK" \
	    >"$TESTDIR/users.out" 2>&1
	while IFS= read -r line; do
		case $line in
		1..*)		plan=${line#1..} ;;
		"ok "*)		n=$((n + 1)); ok "users.py: ${line#ok * - }" ;;
		"not ok "*)	n=$((n + 1))
				not_ok "users.py: ${line#not ok * - }" ;;
		*)		diag "$line" ;;
		esac
	done <"$TESTDIR/users.out"
	is "$n" "$plan" "users.py ran all its checks"
}

# until_fails SECONDS PATTERN COMMAND...: COMMAND fails saying PATTERN
# within SECONDS (the gateway caches users for a short time).
until_fails() {
	local limit=$1 pat=$2 n

	shift 2
	for (( n = 0; n < limit * 5; n++ )); do
		if ! "$@" >"$TESTDIR/until.out" 2>&1 &&
		    grep -Eq -- "$pat" "$TESTDIR/until.out"; then
			return 0
		fi
		sleep 0.2
	done
	cat "$TESTDIR/until.out"
	return 1
}

until_works() {
	local limit=$1 n

	shift
	for (( n = 0; n < limit * 5; n++ )); do
		"$@" >"$TESTDIR/until.out" 2>&1 && return 0
		sleep 0.2
	done
	cat "$TESTDIR/until.out"
	return 1
}

cluster_start

# --- cairn user ---------------------------------------------------------------

cairn_cli user add alice >"$TESTDIR/alice.keys"
is "$?" 0 "cairn user add alice succeeds"
ALICE_AK=$(sed -n 's/^access key: //p' "$TESTDIR/alice.keys")
ALICE_SK=$(sed -n 's/^secret key: //p' "$TESTDIR/alice.keys")
is "${#ALICE_AK}/${#ALICE_SK}" 20/40 "it prints generated keys"
check "cairn user add bob with given keys" \
    cairn_cli user add bob --access-key "$BOB_AK" --secret-key "$BOB_SK"
check "a second bob exits 1" exit_is 1 cairn_cli user add bob
check "a taken access key exits 1" exit_is 1 \
    cairn_cli user add carol --access-key "$BOB_AK" --secret-key "$BOB_SK"
check "a bad user name exits 1" exit_is 1 cairn_cli user add 'no way!'
check "user without a subcommand exits 2" exit_is 2 cairn_cli user
check "user add without a name exits 2" exit_is 2 cairn_cli user add
check "an access key without a secret exits 2" exit_is 2 \
    cairn_cli user add carol --access-key CAROL0000000000000001
check "removing nobody exits 1" exit_is 1 cairn_cli user remove nobody
check "disabling nobody exits 1" exit_is 1 cairn_cli user disable nobody
cairn_cli user list --json >"$TESTDIR/users.json"
check "user list --json shows both, enabled, without secrets" "$PY" -c '
import json, sys
u = json.load(open(sys.argv[1]))
assert [x["name"] for x in u] == ["alice", "bob"], u
assert all(x["enabled"] and len(x["id"]) == 64 for x in u), u
assert "secret" not in open(sys.argv[1]).read()' "$TESTDIR/users.json"
check "metad keeps its secret key 0600" \
    test "$(stat -c %a "$DATA/meta/users.key")" = 600

# --- S3: users, policies, ACLs (boto3) -------------------------------------------

run_py

# --- anonymous curl ------------------------------------------------------------------

is "$(anon_get nopol /alice-b/doc)" 403 "anonymous GET without a policy is 403"
check "with an AccessDenied XML body" is_denied_xml nopol
cat >"$TESTDIR/public.json" <<'EOF'
{"Version": "2012-10-17", "Statement": [{"Sid": "PublicRead",
 "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
 "Resource": ["arn:aws:s3:::alice-b/*"]}]}
EOF
check "Alice puts a public-read policy" as "$ALICE_AK" "$ALICE_SK" \
    awscli s3api put-bucket-policy --bucket alice-b \
    --policy "file://$TESTDIR/public.json"
is "$(anon_get pol /alice-b/doc)" 200 "anonymous GET under it is 200"
is "$(cat "$TESTDIR/pol.b")" "alice data" "and gives the object"
is "$(anon_get pollist /alice-b)" 403 "the policy does not open the listing"
check "Alice deletes the policy" as "$ALICE_AK" "$ALICE_SK" \
    awscli s3api delete-bucket-policy --bucket alice-b
is "$(anon_get nopol2 /alice-b/doc)" 403 "anonymous GET is 403 again"
check "with an AccessDenied XML body" is_denied_xml nopol2

make_file acl.bin 3000 >/dev/null
check "Alice puts an object with the canned ACL public-read" \
    as "$ALICE_AK" "$ALICE_SK" awscli s3api put-object --bucket alice-b \
    --key public.bin --body "$TESTDIR/files/acl.bin" --acl public-read
is "$(anon_get acl /alice-b/public.bin)" 200 "curl reads it without credentials"
check "the same bytes" cmp "$TESTDIR/acl.b" "$TESTDIR/files/acl.bin"
check "and a private one beside it" as "$ALICE_AK" "$ALICE_SK" \
    awscli s3api put-object --bucket alice-b --key private.bin \
    --body "$TESTDIR/files/acl.bin"
is "$(anon_get noacl /alice-b/private.bin)" 403 "which curl cannot read"
check "the ACL is no response header" bash -c "! curl -sI \
    http://$ADDR/alice-b/public.bin | grep -qi '^x-amz-acl'"

# --- disable, enable, remove -----------------------------------------------------------

check "Bob lists his buckets" as "$BOB_AK" "$BOB_SK" awscli s3 ls
check "cairn user disable bob" cairn_cli user disable bob
check "cairn user list shows him disabled" \
    bash -c "'$top_builddir/cairn' -f '$DATA/cairn.conf' user list |
    grep -Eq '^bob +$BOB_AK +disabled '"
check "within seconds Bob's key is InvalidAccessKeyId" until_fails 10 \
    InvalidAccessKeyId as "$BOB_AK" "$BOB_SK" awscli s3 ls
check "cairn user enable bob" cairn_cli user enable bob
check "and Bob works again" until_works 10 \
    as "$BOB_AK" "$BOB_SK" awscli s3 ls
check "cairn user remove bob" cairn_cli user remove bob
check "within seconds Bob's key is unknown" until_fails 10 \
    InvalidAccessKeyId as "$BOB_AK" "$BOB_SK" awscli s3 ls
check "Alice still works" as "$ALICE_AK" "$ALICE_SK" awscli s3 ls
check "root still works" awscli s3 ls

# --- secrets ---------------------------------------------------------------------------------

cluster_stop
check "no secret in the daemons' logs" bash -c "! grep -F -a -e '$ALICE_SK' \
    -e '$BOB_SK' '$TESTDIR'/cluster.*.log"
check "no secret in clear in metad's database" bash -c "! grep -r -F -a \
    -e '$ALICE_SK' -e '$BOB_SK' '$DATA/meta'"
plan "$TAP_N"
exit 0
