#!/bin/bash
# t_memcap.sh - [gatewayd] max_memory: over the cap a request waits, then
# gets 503 SlowDown; nothing stored is lost and gatewayd keeps serving
#
# With a cap of one byte only one request at a time may hold a stripe
# buffer (one alone is always let in).  First with no wait: a burst of
# concurrent 1 MiB PUTs and GETs must give some 503 SlowDown and some
# successes, and every object must read back as its last successful PUT
# left it.  Then with a
# long wait: the same burst queues, and every request succeeds.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

THREADS=12

plan 12

# burst PREFIX: run memcap.py; its JSON goes to $TESTDIR/burst.json.
burst() {
	PYTHONPATH=$top_srcdir/tests/integration "$PY" \
	    "$top_srcdir/tests/integration/memcap.py" "http://$ADDR" cap \
	    "$1" "$THREADS" >"$TESTDIR/burst.json"
}

field() { json_field "$TESTDIR/burst.json" "$1"; }

# stat_of NAME prints gatewayd's status counter NAME.
stat_of() {
	cairn_cli status | awk -v n="$1" '$1 == "gatewayd" {
		for (i = 1; i <= NF; i++)
			if (index($i, n "=") == 1)
				print substr($i, length(n) + 2) }'
}

export CAIRN_GATEWAYD_MAX_MEMORY=1 CAIRN_GATEWAYD_MAX_MEMORY_WAIT_MS=0
cluster_start
check "create bucket" awscli s3api create-bucket --bucket cap
# The burst must overlap to be refused; on a loaded machine try again.
for try in 1 2 3; do
	burst "nowait$try/" || break
	(( $(field put_slowdown) + $(field get_slowdown) > 0 )) && break
done
check "a burst without waiting runs" test -s "$TESTDIR/burst.json"
is "$(field other)" "[]" "every answer is a success or 503 SlowDown"
ok_put=$(field put_ok)
(( ok_put > 0 )) && ok "some PUTs succeed ($ok_put)" ||
    not_ok "some PUTs succeed ($ok_put)"
n=$(field put_slowdown)/$(field get_slowdown)
(( ${n%/*} + ${n#*/} > 0 )) &&
    ok "some requests get 503 SlowDown (PUT/GET: $n)" ||
    not_ok "some requests get 503 SlowDown (PUT/GET: $n)"
is "$(field bad_bodies)" "[]" "every stored object reads back intact"
n=$(stat_of mem_refused)
(( n > 0 )) && ok "gatewayd counts the refusals ($n)" ||
    not_ok "gatewayd counts the refusals ($n)"
# A copy takes a read buffer, then a write buffer: alone, it needs both.
check "a copy alone under the tiny cap succeeds" awscli s3api copy-object \
    --bucket cap --key copied --copy-source cap/nowait1/000
is "$(stat_of mem_used)" 0 "every byte taken was given back"

export CAIRN_GATEWAYD_MAX_MEMORY_WAIT_MS=60000
cluster_restart
check "a burst that may wait runs" burst wait/
is "$(field put_ok)/$(field get_ok)/$(field other)" \
    "$THREADS/$THREADS/[]" "with a long wait every PUT and GET succeeds"
# A PUT's stripe buffer of 4 drives (4 blocks of 512 KiB) and the copies
# of the stripe its drives are still writing; a GET holds less (a stripe
# and the 2 data blocks of the next).
is "$(stat_of mem_peak)" $(( 2 * 4 * 512 * 1024 )) \
    "no more than one request's buffers were ever held"
