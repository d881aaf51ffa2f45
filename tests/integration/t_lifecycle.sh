#!/bin/bash
# t_lifecycle.sh - bucket lifecycle: configuration API, expiry in scrubd
# (unversioned, versioned, suspended and object-lock buckets)
#
# A lifecycle "day" is two seconds here ([scrubd] lifecycle_day) and
# scrubd runs a lifecycle pass every second, so objects with Expiration
# Days 1 go between two and four seconds after they were written.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DAY=2
export CAIRN_SCRUBD_LIFECYCLE_DAY=$DAY CAIRN_SCRUBD_LIFECYCLE_INTERVAL=1
cluster_start
unset CAIRN_SCRUBD_LIFECYCLE_DAY CAIRN_SCRUBD_LIFECYCLE_INTERVAL

# s3lifecycle.py prints the plan and the results; a failure keeps TESTDIR.
"$PY" "$top_srcdir/tests/integration/s3lifecycle.py" "http://$ADDR" \
    "$DATA" "$top_builddir/cairn" "$DAY" || TAP_FAILED=1
exit 0
