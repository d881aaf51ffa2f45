#!/bin/bash
# t_load.sh - many connections, many rounds: every byte read back is right
#
# Drives the cluster with s3bench (the load generator kept beside the
# repository in ../shared/bench) in several separate runs, so connections
# open, work concurrently on both event loops and close again.  Each run
# must end with no error and no verification failure.  Nothing here is
# timed: speed is measured by the benchmarks, not by tests.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

BENCH_SRC=$top_srcdir/../shared/bench/s3bench.c
ROUNDS=2

plan $(( 3 * ROUNDS + 8 ))
if [[ ! -f $BENCH_SRC ]]; then
	for (( i = 0; i < 3 * ROUNDS + 8; i++ )); do
		skip "s3bench run" "no $BENCH_SRC"
	done
	exit 0
fi

testdir_init
S3BENCH=$TESTDIR/s3bench
check "s3bench builds" cc -O2 -std=gnu11 -pthread -o "$S3BENCH" \
    "$BENCH_SRC" -lcrypto -lm
cluster_start

# bench ARGS...: one bounded s3bench run against the cluster; its report
# goes to the TAP stream as diagnostics when it fails.
bench() {
	local out=$TESTDIR/bench.out

	if "$S3BENCH" -e "$ADDR" -b load --timeout 30 "$@" >"$out" 2>&1
	then
		return 0
	fi
	diag <"$out"
	return 1
}

# batches_shared: the gateway's reads of metad went out as MSG_RPC_BATCH
# messages, several calls in some of them, and metad answered every one.
batches_shared() {
	cairn_cli --json status >"$TESTDIR/status.json" || return 1
	"$PY" - "$TESTDIR/status.json" <<'EOF'
import json, sys
d = {x["name"]: x.get("stats", {})
     for x in json.load(open(sys.argv[1]))["daemons"]}
g, m = d["gatewayd"], d["metad"]
print("# gatewayd: %d calls in %d batches; metad answered %d batches"
      % (g["metad_batched"], g["metad_batches"], m["rpc_batches"]))
sys.exit(not (g["metad_batched"] > g["metad_batches"] > 0 and
              m["rpc_batches"] == g["metad_batches"]))
EOF
}

# Every key exists before the timed rounds read them at random.
check "4 KiB PUT of every key, 32 connections" \
    bench -p small/ -w put -z 4KiB -n 2000 -c 32
for (( r = 1; r <= ROUNDS; r++ )); do
	check "round $r: 4 KiB PUT for 8 s, 32 connections" \
	    bench -p small/ -w put -z 4KiB -n 2000 -c 32 -d 8
	check "round $r: 4 KiB GET verified for 8 s, 32 connections" \
	    bench -p small/ -w get -z 4KiB -n 2000 -c 32 -d 8 --verify
	check "round $r: 1 MiB PUT, GET verified, 8 connections" \
	    bench -p mid/ -w put,get -z 1MiB -n 24 -c 8 -o 48 -d 60 --verify
done
check "the GETs reached metad in batches of several calls" batches_shared
check "a listing pass returns every key, 1000 per page" \
    bench -p small/ -w list -n 2000 --max-keys 1000 -o 10 --verify
check "64 MiB PUT and verified GET, 2 connections" \
    bench -p big/ -w put,get -z 64MiB -n 2 -c 2 -o 2 -d 60 --verify \
    --unsigned-payload
check "DELETE of every key, 32 connections" \
    bench -p small/ -w delete -n 2000 -c 32
check "gatewayd is still running" kill -0 "$(daemon_pid gatewayd)"
check "cairn status: every daemon answers" cairn_cli status
