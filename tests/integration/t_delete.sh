#!/bin/bash
# t_delete.sh - DeleteObjects: boto3, and malformed requests by curl
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

B=delete-bucket

plan 10
cluster_start
out=$TESTDIR/boto3.out
if "$PY" "$top_srcdir/tests/integration/s3delete.py" "http://$ADDR" \
    >"$out" 2>&1; then
	ok "DeleteObjects through boto3 (5 checks)"
else
	not_ok "DeleteObjects through boto3 (5 checks)"
	diag <"$out"
fi

# post_delete BODY [MD5]: POST ?delete signed by curl; prints the status
# and the error code of the answer.
post_delete() {
	local md5=${2-$(printf '%s' "$1" | openssl dgst -md5 -binary | base64)}
	local hdr=()

	[[ -n $md5 ]] && hdr=(-H "Content-MD5: $md5")
	curl -s -o "$TESTDIR/resp" -w '%{http_code}' -X POST "${hdr[@]}" \
	    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
	    --aws-sigv4 "aws:amz:$TEST_REGION:s3" \
	    --user "$TEST_ACCESS_KEY:$TEST_SECRET_KEY" \
	    --data-binary "$1" "http://$ADDR/$B?delete="
	printf ' %s\n' "$(sed -n 's:.*<Code>\(.*\)</Code>.*:\1:p' \
	    "$TESTDIR/resp")"
}

make_file keep 10 >/dev/null
check "put-object keep" awscli s3api put-object --bucket "$B" --key keep \
    --body "$TESTDIR/files/keep"
good='<Delete><Object><Key>keep</Key></Object></Delete>'
is "$(post_delete "$good" "")" "400 InvalidRequest" \
    "without Content-MD5 it is InvalidRequest"
is "$(post_delete "$good" "AAAAAAAAAAAAAAAAAAAAAA==")" "400 BadDigest" \
    "a wrong Content-MD5 is BadDigest"
is "$(post_delete '<Delete><Object><Key>keep</Key></Delete>')" "400 MalformedXML" \
    "broken XML is MalformedXML"
is "$(post_delete '<!DOCTYPE d [<!ENTITY e "keep">]><Delete><Object><Key>&e;</Key></Object></Delete>')" "400 MalformedXML" \
    "a DOCTYPE with entities is MalformedXML"
is "$(post_delete '<Delete><Object></Object></Delete>')" "400 MalformedXML" \
    "an Object without a Key is MalformedXML"
check "the bad requests deleted nothing" \
    awscli s3api head-object --bucket "$B" --key keep
is "$(post_delete "$good")" "200 " \
    "a well-formed request by curl is 200"
check_fails "the good one did" "404|Not Found" \
    awscli s3api head-object --bucket "$B" --key keep
