#!/bin/bash
# t_tagging.sh - object tagging through boto3
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# s3tagging.py prints the plan and the results; a failure keeps TESTDIR.
cluster_start
"$PY" "$top_srcdir/tests/integration/s3tagging.py" "http://$ADDR" ||
    TAP_FAILED=1
exit 0
