#!/bin/bash
# t_failure.sh - a killed chunkd loses nothing; a restart keeps everything
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

MiB=$((1024 * 1024))
SIZES=(100 "$INLINE_MAX" $((INLINE_MAX + 1)) "$MiB" $((MiB + 1))
    $((3 * MiB + 5)) $((64 * MiB)))

plan $(( 8 + 3 * ${#SIZES[@]} ))
cluster_start
B=failure-bucket

check "create-bucket" awscli s3api create-bucket --bucket "$B"
for n in "${SIZES[@]}"; do
	make_file "obj-$n" "$n" >/dev/null
	check "put-object of $n bytes" \
	    s3_put "$B" "obj/$n" "$TESTDIR/files/obj-$n"
done

d2=$(daemon_pid chunkd-d2)
kill -KILL "$d2"
check "chunkd d2 is gone after kill -9" wait_gone "$d2"
check "cairn status exits 1 with chunkd d2 down" exit_is 1 cairn_cli status

for n in "${SIZES[@]}"; do
	check "get-object of $n bytes with d2 down, same SHA-256" \
	    s3_get_same "$B" "obj/$n" "$TESTDIR/files/obj-$n"
done
n=$((5 * MiB))
make_file "obj-$n" "$n" >/dev/null
check "put-object of 5 MiB with d2 down" \
    s3_put "$B" "obj/$n" "$TESTDIR/files/obj-$n"
check "get-object of it with d2 down, same SHA-256" \
    s3_get_same "$B" "obj/$n" "$TESTDIR/files/obj-$n"
SIZES+=("$n")

cluster_restart
check "cairn status exits 0 after the restart" cairn_cli status
for n in "${SIZES[@]}"; do
	check "get-object of $n bytes after the restart, same SHA-256" \
	    s3_get_same "$B" "obj/$n" "$TESTDIR/files/obj-$n"
done

# keys: every key of the bucket, one per line, all pages.
keys() {
	awscli s3api list-objects-v2 --bucket "$B" --query 'Contents[].Key' \
	    --output text | tr '\t' '\n'
}
want=$(for n in "${SIZES[@]}"; do echo "obj/$n"; done | LC_ALL=C sort)
is "$(keys)" "$want" "the listing after the restart shows every object"

exit 0
