#!/bin/bash
# t_version.sh - S3 versioning through boto3 and the aws cli, and scrubd's
# sweep keeping the shards of noncurrent versions
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 13
export CAIRN_SCRUBD_ORPHAN_GRACE=5
cluster_start
unset CAIRN_SCRUBD_ORPHAN_GRACE
VER=$top_srcdir/tests/integration/version.py
out=$TESTDIR/boto3.out
if "$PY" "$VER" "http://$ADDR" >"$out" 2>&1; then
	ok "versioning through boto3 ($(grep -c '^ok' "$out") checks)"
else
	not_ok "versioning through boto3"
	diag <"$out"
fi

B=ver-cli
check "aws s3api create-bucket" awscli s3api create-bucket --bucket "$B"
is "$(awscli s3api get-bucket-versioning --bucket "$B")" "" \
    "get-bucket-versioning of a new bucket prints nothing"
check "aws s3api put-bucket-versioning Enabled" awscli s3api \
    put-bucket-versioning --bucket "$B" \
    --versioning-configuration Status=Enabled
is "$(awscli s3api get-bucket-versioning --bucket "$B" --query Status \
    --output text)" Enabled "get-bucket-versioning says Enabled"
f1=$(make_file v1 1000)
f2=$(make_file v2 2000)
v1=$(awscli s3api put-object --bucket "$B" --key a --body "$f1" \
    --query VersionId --output text)
v2=$(awscli s3api put-object --bucket "$B" --key a --body "$f2" \
    --query VersionId --output text)
is "${#v1}:${#v2}" "32:32" "put-object prints a version id each time"
is "$(awscli s3api list-object-versions --bucket "$B" \
    --query 'Versions[].VersionId' --output text)" "$v2	$v1" \
    "list-object-versions lists them newest first"
check "get-object of the first version reads it back" sh -c "
    $AWS --endpoint-url http://$ADDR s3api get-object --bucket $B --key a \
    --version-id $v1 $TESTDIR/got >/dev/null && cmp $TESTDIR/got $f1"
check_fails "a malformed version id is refused" "InvalidArgument" \
    awscli s3api get-object --bucket "$B" --key a --version-id x "$TESTDIR/x"

# The sweep: old shards of noncurrent versions and of a key whose latest
# version is a delete marker must outlive a full pass with its sweep.
(cd "$TESTDIR" && "$PY" "$VER" "http://$ADDR" keep ver-sweep) >/dev/null 2>&1
is "$?" 0 "three versions of a 300 kB object, then a delete marker"
find "$DATA"/drives/*/shards -type f -exec touch -d '-2 hours' {} +
before=$(find "$DATA"/drives/*/shards -type f | wc -l)
check "cairn heal with old shards of noncurrent versions" cairn_cli heal
is "$(find "$DATA"/drives/*/shards -type f | wc -l)" "$before" \
    "the sweep removed no shard of a noncurrent version"
out=$TESTDIR/check.out
if (cd "$TESTDIR" && "$PY" "$VER" "http://$ADDR" check ver-sweep) \
    >"$out" 2>&1; then
	ok "every noncurrent version reads back after the sweep"
else
	not_ok "every noncurrent version reads back after the sweep"
	diag <"$out"
fi
