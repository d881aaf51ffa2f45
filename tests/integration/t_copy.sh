#!/bin/bash
# t_copy.sh - CopyObject through boto3 and the aws cli
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 6
cluster_start
out=$TESTDIR/boto3.out
if "$PY" "$top_srcdir/tests/integration/s3copy.py" "http://$ADDR" \
    >"$out" 2>&1; then
	ok "CopyObject through boto3 ($(grep -c '^ok' "$out") checks)"
else
	not_ok "CopyObject through boto3"
	diag <"$out"
fi
f=$(make_file src 5000000)
check "aws s3 cp of a local file" awscli s3 cp "$f" s3://copy-bucket/cli/src
check "aws s3 cp from bucket to bucket" \
    awscli s3 cp s3://copy-bucket/cli/src s3://copy-bucket/cli/dst
check "the copy reads back the same" s3_get_same copy-bucket cli/dst "$f"
f=$(make_file big 20000000)
check "aws s3 cp of a 20 MB file" awscli s3 cp "$f" s3://copy-bucket/cli/big
check "aws s3 cp from bucket to bucket in parts (UploadPartCopy)" sh -c "
    $AWS --endpoint-url http://$ADDR s3 cp s3://copy-bucket/cli/big \
    s3://copy-bucket/cli/big2 >/dev/null && \
    $AWS --endpoint-url http://$ADDR s3 cp s3://copy-bucket/cli/big2 - |
    cmp - '$f'"
