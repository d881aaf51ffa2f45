#!/bin/bash
# t_reload.sh - SIGHUP gives cairn-gatewayd and cairn-scrubd a new
# [gatewayd] delete_delay: shards replaced afterwards wait that long
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The file's value, not lib.sh's 0: 60 s unless cairn.conf says more.
unset CAIRN_GATEWAYD_DELETE_DELAY
B=reload

# queued prints how many replaced shard sets gatewayd holds back.
queued() {
	cairn_cli --json status | "$PY" -c 'import json, sys
print([d for d in json.load(sys.stdin)["daemons"]
       if d["name"] == "gatewayd"][0]["stats"]["trash_queued"])'
}

# overwrite puts the 1 MiB file over key k (erasure coded, not inline).
overwrite() { awscli s3api put-object --bucket "$B" --key k --body "$F"; }

plan 8
cluster_start
F=$(make_file one 1048576)
check "a bucket" awscli s3api create-bucket --bucket "$B"
check "a 1 MiB object, then an overwrite" eval 'overwrite && overwrite'
is "$(queued)" 1 "delete_delay 60 s: the replaced shards wait"
printf '\n[gatewayd]\ndelete_delay = 0\n' >>"$DATA/cairn.conf"
kill -HUP "$(daemon_pid gatewayd)" "$(daemon_pid scrubd)"
check "gatewayd takes delete_delay 0 on SIGHUP" retry 50 0.1 grep -q \
    '\[gatewayd\].*delete_delay now 0 s' "$CLUSTER_LOG"
check "scrubd takes delete_delay 0 on SIGHUP" retry 50 0.1 grep -q \
    '\[scrubd\].*delete_delay now 0 s' "$CLUSTER_LOG"
check "another overwrite" overwrite
is "$(queued)" 1 "delete_delay 0: those replaced now go at once; the one \
queued keeps its time"
check "the object reads back whole" s3_get_same "$B" k "$F"
