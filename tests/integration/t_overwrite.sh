#!/bin/bash
# t_overwrite.sh - a GET in flight survives an overwrite or a delete of its
# object: the old shards wait [gatewayd] delete_delay before they go
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export CAIRN_GATEWAYD_DELETE_DELAY=3
cluster_start
"$PY" "$top_srcdir/tests/integration/overwrite.py" "http://$ADDR" "$DATA" ||
    TAP_FAILED=1
exit 0
