#!/bin/bash
# t_scrub_mp.sh - scrubd heals objects uploaded in parts, and its sweep
# never takes the parts of an upload still in progress
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 9
export CAIRN_SCRUBD_ORPHAN_GRACE=5
cluster_start
unset CAIRN_SCRUBD_ORPHAN_GRACE
B=scrub-mp
MP=$top_srcdir/tests/integration/scrub_mp.py
TOOL=$top_srcdir/tests/integration/scrub_tool.py
mp() { "$PY" "$MP" "http://$ADDR" "$B" "$TESTDIR" "$@"; }
nshards() { find "$DATA"/drives/*/shards -type f | wc -l; }

check "an object of two erasure-coded parts" mp make
# Flip a byte in the middle of every shard on drive d1.
for f in $(find "$DATA/drives/d1/shards" -type f); do
	printf '\xff' | dd of="$f" bs=1 seek=5000 conv=notrunc 2>/dev/null
done
check_fails "the damage shows" "" "$PY" "$TOOL" shards "$DATA"
check "cairn heal rebuilds the parts' shards" cairn_cli heal
check "every shard file is whole again" "$PY" "$TOOL" shards "$DATA"
check "an upload left in progress with one part" mp pending
before=$(nshards)
find "$DATA"/drives/*/shards -type f -exec touch -d '-2 hours' {} +
check "cairn heal with old shards and an upload in progress" cairn_cli heal
is "$(nshards)" "$before" "no shard was swept while the upload is open"
check "the upload completes later" mp complete
check "both objects read back right" mp check
