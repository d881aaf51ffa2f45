#!/bin/bash
# t_bconf.sh - bucket tagging, CORS, notification and replication
# configurations with boto3 and aws(1); CORS preflights with curl
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

cluster_start
# bconf.py prints its own plan and results.
"$PY" "$top_srcdir/tests/integration/bconf.py" "http://$ADDR" \
    "$DATA/cairn.conf" "$top_builddir/tests/integration/set_versioning" ||
    TAP_FAILED=1
exit 0
