#!/bin/bash
# t_shared.sh - [gatewayd] shared_memory: the drives read uploads' blocks
# in place from the gateway's shared stripe buffers, fall back to copies
# when they cannot map them, and nothing stored differs either way; and
# [chunkd] direct_write: the blocks read in place go to disk with O_DIRECT
#
# Which way the blocks went is read from the counters of cairn status:
# gatewayd's shared_blocks and shared_refused, each chunkd's
# shared_writes and direct_writes.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

MiB=$((1024 * 1024))
B=shared

plan 28

# stat_of DAEMON NAME prints counter NAME of the status line of DAEMON
# ("gatewayd", "chunkd d1").
stat_of() {
	cairn_cli status | awk -v d="$1" -v n="$2" 'index($0, d " ") == 1 {
		for (i = 1; i <= NF; i++)
			if (index($i, n "=") == 1)
				print substr($i, length(n) + 2) }'
}

# arena prints the shared buffers of the running gateway, if any.
arena() { ls /dev/shm/cairn-"$(daemon_pid gatewayd)"-* 2>/dev/null; }

# put_get NAME SIZE: a put-object of SIZE random bytes and a get-object
# that must give them back, as one test.
put_get() {
	local f

	f=$(make_file "$1" "$2")
	if s3_put "$B" "$1" "$f" && s3_get_same "$B" "$1" "$f"; then
		ok "$1: $2 bytes put and read back"
	else
		not_ok "$1: $2 bytes put and read back"
	fi
}

# every_drive COUNTER OP VALUE: counter COUNTER of each chunkd compares
# to VALUE by test(1)'s OP (-eq, -gt).
every_drive() {
	local d n

	for d in d1 d2 d3 d4; do
		n=$(stat_of "chunkd $d" "$1")
		[ "${n:-x}" -eq "${n:-x}" ] 2>/dev/null && [ "$n" "$2" "$3" ] ||
		    { diag "chunkd $d: $1=$n"; return 1; }
	done
}

# every_drive_read_in_place: each chunkd wrote blocks from the buffers.
every_drive_read_in_place() { every_drive shared_writes -gt 0; }

# A gateway that died leaves its buffers behind; the next one removes them.
testdir_init
sleep 0 &
dead=$!
wait "$dead"
stale=/dev/shm/cairn-$dead-beef
: >"$stale"
cluster_start
check "the buffers of a gateway that died are removed at start" \
    test ! -e "$stale"
a=$(arena)
check "the gateway's shared buffers exist" test -n "$a"
is "$(stat -c %a "$a")" 600 "readable by the daemons' user only"
check "create-bucket" awscli s3api create-bucket --bucket "$B"
put_get one-stripe $MiB
check "a shard of one block: nothing written with O_DIRECT" \
    every_drive direct_writes -eq 0
put_get stripes $((3 * MiB + 5))
check "its first blocks went to every drive with O_DIRECT" \
    every_drive direct_writes -gt 0
n=$(stat_of gatewayd shared_blocks)
(( n >= 8 )) && ok "gatewayd sent blocks in place ($n)" ||
    not_ok "gatewayd sent blocks in place ($n)"
check "every drive read blocks in place" every_drive_read_in_place
is "$(stat_of gatewayd shared_refused)" 0 "no drive refused them"
f=$(make_file multipart $((20 * MiB + 3)))
check "a multipart upload (aws s3 cp)" awscli s3 cp "$f" "s3://$B/multipart"
check "reads back the same" s3_get_same "$B" multipart "$f"
is "$(stat_of gatewayd mem_used)" 0 "every stripe buffer was given back"
cluster_stop
check "a clean stop removes the shared buffers" test ! -e "$a"

# A drive that cannot map the buffers (here: they are gone before any
# drive mapped them) gets copies, once it has said so.
cluster_start
a=$(arena)
check "new shared buffers at the restart" test -n "$a"
rm -f "$a"
put_get refused $((2 * MiB + 7))
is "$(stat_of gatewayd shared_refused)" 4 \
    "each of the four drives refused the buffers once"
check "and said why in the gateway's log" \
    grep -q "cannot read the shared stripe buffers" "$CLUSTER_LOG"
before=$(stat_of gatewayd shared_blocks)
put_get copies $((2 * MiB))
is "$(stat_of gatewayd shared_blocks)/$(stat_of gatewayd shared_refused)" \
    "$before/4" "then the drives get copies, without asking again"
check "what was stored before reads back the same" \
    s3_get_same "$B" stripes "$TESTDIR/files/stripes"
cluster_stop

# direct_write = 0: blocks still come in place, through the page cache.
export CAIRN_CHUNKD_DIRECT_WRITE=0
cluster_start
put_get buffered $((3 * MiB + 5))
check "direct_write = 0: blocks read in place" every_drive_read_in_place
check "and none written with O_DIRECT" every_drive direct_writes -eq 0
cluster_stop
unset CAIRN_CHUNKD_DIRECT_WRITE

export CAIRN_GATEWAYD_SHARED_MEMORY=0
cluster_start
check "shared_memory = 0: no shared buffers" test -z "$(arena)"
put_get off $((3 * MiB))
is "$(stat_of gatewayd shared_blocks)" 0 "every block went as a copy"
cluster_stop
