#!/bin/bash
# t_fastpath.sh - GET and HEAD answered on the event loop, by boto3
#
# fastpath.py checks the answers, and through gatewayd's loop_answered
# and loop_resumed counters which of them the loop gave itself, first
# as configured by default, then with [gatewayd] fast_path = 0.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

FP=$top_srcdir/tests/integration/fastpath.py

echo "1..2"
cluster_start
if "$PY" "$FP" "http://$ADDR" "$top_builddir/cairn" "$DATA/cairn.conf" on \
    >"$TESTDIR/on.tap" 2>&1; then
	ok "the event loop answers inline GETs and HEADs; workers the rest"
else
	not_ok "the event loop answers inline GETs and HEADs; workers the rest"
	diag <"$TESTDIR/on.tap"
fi
cluster_stop
export CAIRN_GATEWAYD_FAST_PATH=0
cluster_start
if "$PY" "$FP" "http://$ADDR" "$top_builddir/cairn" "$DATA/cairn.conf" off \
    >"$TESTDIR/off.tap" 2>&1; then
	ok "fast_path = 0: workers answer everything, the same way"
else
	not_ok "fast_path = 0: workers answer everything, the same way"
	diag <"$TESTDIR/off.tap"
fi
