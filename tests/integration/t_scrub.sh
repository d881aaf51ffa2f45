#!/bin/bash
# t_scrub.sh - scrubd finds flipped bits, lost drives and orphans, and heals
#
# Every object here is erasure coded 2+2 over the four drives.  Damage is
# done to the shard files directly (docs/shard-format.md); what healed
# means is checked by reading every shard file back with our own CRC32C
# (scrub_tool.py shards) and every object through S3.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 49
TOOL=$top_srcdir/tests/integration/scrub_tool.py
GRACE=5
export CAIRN_SCRUBD_ORPHAN_GRACE=$GRACE
cluster_start
unset CAIRN_SCRUBD_ORPHAN_GRACE
B=scrub-bucket
N=16
OBJ=$TESTDIR/objs
mkdir -p "$OBJ"
CHUNKD_PID=""
GW_PID=""
FROZEN=""

# The daemons this script starts itself (not through scripts/cluster) are
# stopped before the cluster, and a daemon it froze is thawed, whatever
# happens.
kill_mine() {
	local p

	[[ -z $FROZEN ]] || kill -CONT "$FROZEN" 2>/dev/null
	FROZEN=""
	for p in $GW_PID $CHUNKD_PID; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	GW_PID=""
	CHUNKD_PID=""
}
trap 'st=$?; kill_mine; (exit $st); testdir_cleanup' EXIT

tool() { "$PY" "$TOOL" "$@"; }
shard_files() { find "$DATA/drives/$1/shards" -type f | sort; }
nshards() { shard_files "$1" | wc -l; }

# heal_out ARGS...: cairn heal ARGS, its output in $TESTDIR/heal.out and
# its exit status in HEAL_ST.
heal_out() {
	HEAL_ST=0
	cairn_cli heal "$@" >"$TESTDIR/heal.out" 2>&1 || HEAL_ST=$?
}

# stat_of NAME: one counter of cairn scrub status --json.
stat_of() {
	cairn_cli scrub status --json | "$PY" -c 'import json, sys
print(json.load(sys.stdin)["stats"].get(sys.argv[1], ""))' "$1"
}

check "create-bucket" awscli s3api create-bucket --bucket "$B"
check "PUT $N objects of 16 KiB to 1.5 MiB" tool put "$ADDR" "$B" obj/ "$N" "$OBJ"
check "every shard file is whole after the PUTs" tool shards "$DATA"
heal_out
is "$HEAL_ST" 0 "cairn heal on a healthy store exits 0"
check "and reports $N objects checked, nothing rebuilt" \
    grep -q "^$N objects checked, $((4 * N)) shards verified, 0 shards" \
    "$TESTDIR/heal.out"

# --- flipped bits --------------------------------------------------------------
# Every shard on d1 gets a flipped byte in its first block's data, every
# shard on d2 one in its header: each object keeps exactly k whole shards.
for f in $(shard_files d1); do tool flip-block "$f" 36; done
for f in $(shard_files d2); do tool flip "$f" 20; done
check_fails "the shard checker sees the damage" "$((2 * N)) bad" \
    tool shards "$DATA"
heal_out
is "$HEAL_ST" 0 "cairn heal exits 0 after healing flipped bits"
check "it names every object healed" \
    test "$(grep -c '^healed scrub-bucket/obj/' "$TESTDIR/heal.out")" = "$N"
check "and counts $((2 * N)) shards rebuilt in $N objects" \
    grep -q "$((2 * N)) shards rebuilt in $N objects, 0 unrecoverable" \
    "$TESTDIR/heal.out"
check "every shard file is whole again" tool shards "$DATA"
check "every object reads back right" tool get "$ADDR" "$B" "$OBJ"
heal_out
check "a second pass finds nothing to heal" \
    grep -q "0 shards rebuilt in 0 objects, 0 unrecoverable" "$TESTDIR/heal.out"

# --- the scope of cairn heal ------------------------------------------------------
f=$(shard_files d1 | head -n 1)
tool flip-block "$f" 26
heal_out "$B" nothing/
check "cairn heal BUCKET PREFIX looks under that prefix only" \
    grep -q "^0 objects checked" "$TESTDIR/heal.out"
heal_out "$B" obj/
is "$HEAL_ST" 0 "cairn heal BUCKET PREFIX exits 0 after healing"
check "and heals the one damaged object of the $N under it" \
    grep -q "^$N objects checked, .*, 1 shards rebuilt in 1 objects" \
    "$TESTDIR/heal.out"
heal_out no-such-bucket
is "$HEAL_ST" 1 "cairn heal of a missing bucket exits 1"
check "and says why" grep -q "no such bucket" "$TESTDIR/heal.out"

# --- heal on read ----------------------------------------------------------------
# A GET reads the k data shards only: damage those of d3.
reqs=$(stat_of heal_requests)
ndata=$(tool flip-data "$DATA/drives/d3" 2 6)
diag "$ndata of the $N shards on d3 are data shards"
check "GETs with those damaged return the right bytes" \
    tool get "$ADDR" "$B" "$OBJ"
# wait_whole: bounded wait until every shard file checks whole.
wait_whole() {
	retry 60 0.5 tool shards "$DATA" >/dev/null || tool shards "$DATA"
}
check "the GETs made scrubd heal every object (no heal command)" wait_whole
check "scrubd counted the gateway's heal requests" \
    test "$(stat_of heal_requests)" -ge $((reqs + ndata))

# --- a drive replaced by an empty one ------------------------------------------
before=$(nshards d4)
d4=$(daemon_pid chunkd-d4)
kill -TERM "$d4"
wait_gone "$d4"
rm -rf "${DATA:?}/drives/d4"
mkdir "$DATA/drives/d4"
"$top_builddir/cairn-chunkd" -f "$DATA/cairn.conf" d4 \
    >"$TESTDIR/chunkd-d4.log" 2>&1 &
CHUNKD_PID=$!
# d4_up: the new chunkd listens and the cluster answers cairn status.
d4_up() { [[ -S $DATA/run/chunkd-d4.sock ]] && cairn_cli status >/dev/null; }
retry 100 0.1 d4_up
is "$(nshards d4)" 0 "the new d4 holds no shard"
heal_out
is "$HEAL_ST" 0 "cairn heal exits 0 after rebuilding d4"
(( HEAL_ST == 0 )) || diag <"$TESTDIR/heal.out"
is "$(nshards d4)" "$before" "d4 holds all its $before shards again"
check "every shard file is whole" tool shards "$DATA"
check "scrubd noticed the new drive id" test "$(stat_of drives_replaced)" -ge 1
check "every object reads back right" tool get "$ADDR" "$B" "$OBJ"

# --- m+1 shards lost: unrecoverable, and said so --------------------------------
ls "$DATA/drives/d1/shards"/*/ >"$TESTDIR/ids.before"
make_file lost 200000 >/dev/null
check "PUT the object to be lost" s3_put "$B" lost "$TESTDIR/files/lost"
ls "$DATA/drives/d1/shards"/*/ >"$TESTDIR/ids.after"
id=$(diff "$TESTDIR/ids.before" "$TESTDIR/ids.after" | sed -n 's/^> //p' |
    grep -E '^[0-9a-f]{32}$' | head -n 1)
for d in d1 d2 d3; do rm -f "$DATA/drives/$d/shards/${id:0:2}/$id"; done
check_fails "GET of an object with 3 of 4 shards gone fails with a 5xx" \
    "\((InternalError|ServiceUnavailable|SlowDown)\)" \
    awscli s3api get-object --bucket "$B" --key lost "$TESTDIR/files/lost.got"
check "and writes no wrong bytes" test ! -s "$TESTDIR/files/lost.got"
heal_out
is "$HEAL_ST" 1 "cairn heal exits 1 with an unrecoverable object"
check "it names the object" grep -qx "UNRECOVERABLE $B/lost" "$TESTDIR/heal.out"
check "and never claims it healed" \
    sh -c "! grep -q '^healed $B/lost' '$TESTDIR/heal.out'"
check "cairn scrub status lists it" \
    sh -c "'$top_builddir/cairn' -f '$DATA/cairn.conf' scrub status | grep -qx '    $B/lost'"
is "$(exit_is 2 cairn_cli heal a b c >/dev/null 2>&1; echo $?)" 0 \
    "cairn heal with three arguments exits 2"
check "delete the lost object" awscli s3api delete-object --bucket "$B" --key lost

# --- orphans ----------------------------------------------------------------------
live=$(shard_files d1 | head -n 1)
orphan=$DATA/drives/d1/shards/ee/ee$(printf '%030d' 7)
young=$DATA/drives/d2/shards/ee/ee$(printf '%030d' 8)
tmpf=$DATA/drives/d3/tmp/ef$(printf '%030d' 9)
cp "$live" "$orphan"
cp "$live" "$young"
cp "$live" "$tmpf"
touch -d '-2 hours' "$orphan" "$tmpf" "$live"
heal_out
is "$HEAL_ST" 0 "cairn heal with orphans present exits 0"
check "an orphan shard older than the grace is swept" test ! -e "$orphan"
check "an old temporary file is swept" test ! -e "$tmpf"
check "a young orphan is kept (grace)" test -e "$young"
check "a referenced shard as old is never swept" test -e "$live"
check "every object still reads back right" tool get "$ADDR" "$B" "$OBJ"

# --- kill -9 of the gateway in a PUT storm -------------------------------------------
STORM=$TESTDIR/storm
mkdir -p "$STORM"
tool storm "$ADDR" "$B" "$STORM" 20 >"$TESTDIR/storm.out" 2>&1 &
storm=$!
sleep 3
gw=$(daemon_pid gatewayd)
kill -KILL "$gw"
wait "$storm"
diag "storm: $(cat "$TESTDIR/storm.out")"
"$top_builddir/cairn-gatewayd" -f "$DATA/cairn.conf" \
    >"$TESTDIR/gatewayd.log" 2>&1 &
GW_PID=$!
retry 100 0.1 awscli s3api head-bucket --bucket "$B" >/dev/null 2>&1
check "every acknowledged PUT of the storm reads back right" \
    tool get "$ADDR" "$B" "$STORM"
diag "left by the storm: $(find "$DATA"/drives/*/tmp -type f | wc -l)" \
    "temporary files"
sleep $((GRACE + 1))
heal_out
is "$HEAL_ST" 0 "cairn heal after the storm exits 0"
diag "$(tail -n 1 "$TESTDIR/heal.out")"
nobj=$(awscli s3api list-objects-v2 --bucket "$B" --query 'length(Contents)')
check "the leftovers are swept: each drive holds one shard per object" \
    test "$(nshards d1)" = "$nobj" -a "$(nshards d2)" = "$nobj" -a \
    "$(nshards d3)" = "$nobj"
check "and no temporary file" \
    test -z "$(find "$DATA"/drives/*/tmp -type f | head -n 1)"

# --- a drive down: the pass says what it could not check ------------------------
kill -TERM "$CHUNKD_PID"
wait "$CHUNKD_PID" 2>/dev/null
CHUNKD_PID=""
heal_out "$B" obj/
is "$HEAL_ST" 1 "cairn heal with a drive down exits 1"
check "and says objects were not checked" \
    grep -q "not checked (a drive is down)" "$TESTDIR/heal.out"

# --- a stop in the middle of a long throttled pass --------------------------------
# At 4096 bytes/s a pass over these objects would take hours.  Drive d1 is
# frozen before the stop, so that a call to it is never answered (as when
# a chunkd stops with scrubd), and rpc_timeout_ms is far above the bounded
# wait: scrubd must neither go on with the rest of its page nor wait out
# a call.
kill_mine
cluster_stop || bail "the cluster did not stop"
export CAIRN_SCRUBD_BYTES_PER_SEC=4096 CAIRN_SCRUBD_INTERVAL=1 \
    CAIRN_RPC_TIMEOUT_MS=300000
cluster_start
unset CAIRN_SCRUBD_BYTES_PER_SEC CAIRN_SCRUBD_INTERVAL CAIRN_RPC_TIMEOUT_MS
for (( i = 0; i < 100; i++ )); do
	(( $(stat_of pass_objects) >= 1 )) && break
	sleep 0.1
done
is "$(stat_of pass_running)/$(( $(stat_of pass_objects) >= 1 ))" 1/1 \
    "a throttled pass is under way"
sd=$(daemon_pid scrubd)
FROZEN=$(daemon_pid chunkd-d1)
kill -STOP "$FROZEN"
kill -TERM "$sd"
for (( i = 0; i < 100; i++ )); do kill -0 "$sd" 2>/dev/null || break; sleep 0.1; done
check "scrubd stopped in that pass exits within 10 s, a drive frozen" \
    sh -c "! kill -0 $sd 2>/dev/null"
kill_mine
exit 0
