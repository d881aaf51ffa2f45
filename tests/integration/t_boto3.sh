#!/bin/bash
# t_boto3.sh - the S3 API through boto3: sizes, listings, odd keys, errors
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# s3check.py prints the plan and the results; a failure keeps TESTDIR.
cluster_start
"$PY" "$top_srcdir/tests/integration/s3check.py" "http://$ADDR" \
    "$INLINE_MAX" || TAP_FAILED=1
exit 0
