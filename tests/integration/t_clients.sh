#!/bin/bash
# t_clients.sh - s3cmd, rclone and an s3fs mount against the cluster
#
# Files stay below the clients' multipart thresholds (s3cmd 15 MiB,
# rclone 200 MiB, s3fs 10 MiB parts for bigger files).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 19
cluster_start

# --- s3cmd -------------------------------------------------------------------
cat >"$TESTDIR/s3cfg" <<CFG
[default]
access_key = $TEST_ACCESS_KEY
secret_key = $TEST_SECRET_KEY
host_base = $ADDR
host_bucket = $ADDR
use_https = False
signature_v2 = False
bucket_location = us-east-1
CFG
s3c() { s3cmd -c "$TESTDIR/s3cfg" --no-progress "$@"; }
mkdir -p "$TESTDIR/tree/sub/deeper" "$TESTDIR/back"
for n in 1 2 3; do
	head -c $((n * 700000)) /dev/urandom >"$TESTDIR/tree/file$n"
	head -c $((n * 100)) /dev/urandom >"$TESTDIR/tree/sub/small $n"
done
head -c 9000000 /dev/urandom >"$TESTDIR/tree/sub/deeper/big"

check "s3cmd mb" s3c mb s3://clients
check "s3cmd put" s3c put "$TESTDIR/tree/file1" s3://clients/s3cmd/file1
check "s3cmd get, same bytes" sh -c "s3cmd -c '$TESTDIR/s3cfg' \
    --no-progress get s3://clients/s3cmd/file1 '$TESTDIR/back/file1' &&
    cmp '$TESTDIR/tree/file1' '$TESTDIR/back/file1'"
check "s3cmd ls shows it" sh -c "s3cmd -c '$TESTDIR/s3cfg' ls \
    s3://clients/s3cmd/ | grep -q 's3://clients/s3cmd/file1'"
check "s3cmd sync of a tree" s3c sync "$TESTDIR/tree/" s3://clients/tree/
check "s3cmd sync back, same tree" sh -c "s3cmd -c '$TESTDIR/s3cfg' \
    --no-progress sync s3://clients/tree/ '$TESTDIR/back/tree/' &&
    diff -r '$TESTDIR/tree' '$TESTDIR/back/tree'"
check "s3cmd del" s3c del s3://clients/s3cmd/file1

# --- rclone --------------------------------------------------------------------
cat >"$TESTDIR/rclone.conf" <<CFG
[cairn]
type = s3
provider = Other
access_key_id = $TEST_ACCESS_KEY
secret_access_key = $TEST_SECRET_KEY
endpoint = http://$ADDR
region = us-east-1
force_path_style = true
CFG
rc() { rclone --config "$TESTDIR/rclone.conf" "$@"; }
check "rclone sync of the tree" rc sync "$TESTDIR/tree" cairn:clients/rc
check "rclone check: source and copy agree" \
    rc check "$TESTDIR/tree" cairn:clients/rc
rc lsjson -R cairn:clients/rc >"$TESTDIR/lsjson" 2>&1
is "$("$PY" -c 'import json,sys; print(sorted(e["Path"] for e in
    json.load(open(sys.argv[1])) if not e["IsDir"]))' "$TESTDIR/lsjson")" \
    "['file1', 'file2', 'file3', 'sub/deeper/big', 'sub/small 1', 'sub/small 2', 'sub/small 3']" \
    "rclone lsjson lists every file"
rm "$TESTDIR/tree/file2"
echo changed >"$TESTDIR/tree/file3"
check "rclone sync after a delete and a change" \
    rc sync "$TESTDIR/tree" cairn:clients/rc
check "rclone check agrees again" rc check "$TESTDIR/tree" cairn:clients/rc
check "rclone copy back, same tree" sh -c "rclone --config \
    '$TESTDIR/rclone.conf' copy cairn:clients/rc '$TESTDIR/back/rc' &&
    diff -r '$TESTDIR/tree' '$TESTDIR/back/rc'"

# --- s3fs -------------------------------------------------------------------------
mnt=$TESTDIR/mnt
mkdir -p "$mnt"
printf '%s:%s\n' "$TEST_ACCESS_KEY" "$TEST_SECRET_KEY" >"$TESTDIR/passwd"
chmod 600 "$TESTDIR/passwd"
if [[ ! -c /dev/fuse ]] || ! s3fs clients "$mnt" -o url="http://$ADDR" \
    -o use_path_request_style -o passwd_file="$TESTDIR/passwd" \
    -o endpoint=us-east-1 -o sigv4 -o nonempty 2>"$TESTDIR/s3fs.err"; then
	why=$(head -n 1 "$TESTDIR/s3fs.err" 2>/dev/null)
	for t in write read list rename unmount; do
		skip "s3fs $t" "FUSE is not available here: ${why:-no /dev/fuse}"
	done
	skip "s3fs leaves nothing mounted" "no mount"
	exit 0
fi
# Unmount before the cluster stops and the directory goes, even on failure.
trap 'st=$?; fusermount -u -z "$mnt" 2>/dev/null; (exit $st); testdir_cleanup' EXIT
retry 50 0.1 mountpoint -q "$mnt"
check "s3fs: write a file through the mount" \
    cp "$TESTDIR/tree/file1" "$mnt/viafuse"
check "s3fs: read it back through S3" \
    s3_get_same clients viafuse "$TESTDIR/tree/file1"
check "s3fs: list shows the synced tree" test -f "$mnt/rc/sub/small 1"
check "s3fs: rename through the mount" mv "$mnt/viafuse" "$mnt/renamed"
check "s3fs: the renamed object is there, the old gone" sh -c "
    cmp '$TESTDIR/tree/file1' '$mnt/renamed' && ! test -e '$mnt/viafuse'"
check "s3fs: unmount" fusermount -u "$mnt"
