#!/bin/bash
# t_copy.sh - CopyObject through boto3 and the aws cli
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 4
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
