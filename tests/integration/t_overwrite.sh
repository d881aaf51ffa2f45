#!/bin/bash
# t_overwrite.sh - a GET in flight survives an overwrite, a delete or a
# lifecycle expiry of its object: the old shards wait [gatewayd]
# delete_delay before they go, in cairn-gatewayd and cairn-scrubd
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# A lifecycle "day" of one second; passes run on demand only.
DAY=1
export CAIRN_GATEWAYD_DELETE_DELAY=3 CAIRN_SCRUBD_LIFECYCLE_DAY=$DAY
cluster_start
"$PY" "$top_srcdir/tests/integration/overwrite.py" "http://$ADDR" "$DATA" \
    "$top_builddir/cairn" "$DAY" || TAP_FAILED=1
exit 0
