#!/bin/bash
# t_stream.sh - streamed uploads and gatewayd's own HTTP/1.1 layer
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The big PUT: 2 GiB by default; STREAM_MIB makes it smaller by hand.
BIG_MIB=${STREAM_MIB:-2048}

# streamcheck.py prints the plan and the results; a failure keeps TESTDIR.
cluster_start
awscli s3api create-bucket --bucket stream >/dev/null ||
    bail "cannot create the bucket"
# The chunkd of this cluster, stopped and continued for the backpressure.
pids=""
for f in "$DATA"/run/chunkd-*.pid; do pids+=" $(<"$f")"; done
TESTDIR=$TESTDIR CHUNKD_PIDS=$pids CAIRN=$top_builddir/cairn \
    CAIRN_CONF=$DATA/cairn.conf "$PY" \
    "$top_srcdir/tests/integration/streamcheck.py" \
    "http://$ADDR" stream "$(daemon_pid gatewayd)" "$BIG_MIB" ||
    TAP_FAILED=1
exit 0
