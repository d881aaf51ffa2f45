#!/bin/bash
# t_multipart.sh - multipart uploads: boto3, aws s3 cp, a restart
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The object sent with boto3's upload_file: 1 GiB in 128 parts of 8 MiB,
# 4 at a time (about 25 s here).  MP_BIG_MIB makes it smaller by hand.
BIG_MIB=${MP_BIG_MIB:-1024}
MPCHECK=$top_srcdir/tests/integration/mpcheck.py

n=$("$PY" "$MPCHECK" --count) || bail "mpcheck.py --count failed"
plan $((n + 10))
cluster_start
export TESTDIR
"$PY" "$MPCHECK" "http://$ADDR" "$DATA" "$BIG_MIB" --no-plan |
    tee "$TESTDIR/mpcheck.tap"
TAP_N=$n
TAP_FAILED=$(grep -c '^not ok' "$TESTDIR/mpcheck.tap")
(( $(grep -c '^\(not \)\?ok' "$TESTDIR/mpcheck.tap") == n )) ||
    TAP_FAILED=$((TAP_FAILED + 1))

# aws s3 cp switches to multipart above 8 MiB: 40 MiB is 5 parts.
check "make bucket" awscli s3 mb s3://cp-bucket
f=$(make_file big40 $((40 * 1024 * 1024)))
check "aws s3 cp of 40 MiB up" awscli s3 cp "$f" s3://cp-bucket/big40
got=$TESTDIR/files/got40

# same_back KEY: aws s3 cp of s3://cp-bucket/KEY down gives the bytes of $f.
same_back() {
	rm -f "$got"
	awscli s3 cp "s3://cp-bucket/$1" "$got" &&
	    [[ $(sha256 "$got") == "$(sha256 "$f")" ]]
}
check "aws s3 cp back, same SHA-256" same_back big40

# mp_etag_of prints the ETag of the object.
mp_etag_of() {
	awscli s3api head-object --bucket cp-bucket --key big40 \
	    --query ETag --output text
}
check "its ETag ends in -5" bash -c '[[ $1 == *-5\" ]]' _ "$(mp_etag_of)"

# A drive down: every part is rebuilt from parity on the way out, and a
# new multipart upload still reaches the write quorum.
d2=$(daemon_pid chunkd-d2)
kill -KILL "$d2"
check "chunkd d2 is gone after kill -9" wait_gone "$d2"
check "with d2 down, aws s3 cp back gives the same SHA-256" same_back big40
check "with d2 down, aws s3 cp up of 40 MiB to another key" \
    awscli s3 cp "$f" s3://cp-bucket/big40-degraded

cluster_restart
check "after a restart, the same SHA-256" same_back big40
check "and so does the one written with d2 down" same_back big40-degraded
check "and the object is gone once deleted" \
    bash -c '"$1" --endpoint-url "http://$2" s3 rm s3://cp-bucket/big40 &&
    "$1" --endpoint-url "http://$2" s3 rm s3://cp-bucket/big40-degraded &&
    "$1" --endpoint-url "http://$2" s3 rb s3://cp-bucket' _ "$AWS" "$ADDR"
exit 0
