#!/bin/bash
# t_fastpath.sh - GET, HEAD, small PUTs and DELETEs answered on the event loop
#
# fastpath.py checks the answers, and through gatewayd's loop_answered
# and loop_resumed counters which of them the loop gave itself, first
# as configured by default, then with [gatewayd] fast_path = 0.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# fastpath MODE DESCRIPTION: one run of fastpath.py as one test.
fastpath() {
	local out=$TESTDIR/$1.tap

	if "$PY" "$top_srcdir/tests/integration/fastpath.py" "http://$ADDR" \
	    "$top_builddir/cairn" "$DATA/cairn.conf" "$1" >"$out" 2>&1; then
		ok "$2"
	else
		not_ok "$2"
		diag <"$out"
	fi
}

plan 2
cluster_start
fastpath on "the event loop answers inline and small coded GETs, HEADs, PUTs, DELETEs; workers the rest"
cluster_stop
export CAIRN_GATEWAYD_FAST_PATH=0
cluster_start
fastpath off "fast_path = 0: workers answer everything, the same way"
