#!/bin/bash
# t_cond.sh - conditional GET/HEAD/PUT and response-* overrides, by boto3
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# s3cond.py prints the plan and the results; a failure keeps TESTDIR.
cluster_start
"$PY" "$top_srcdir/tests/integration/s3cond.py" "http://$ADDR" ||
    TAP_FAILED=1
exit 0
