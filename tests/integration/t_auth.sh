#!/bin/bash
# t_auth.sh - presigned URLs, aws-chunked uploads and S3 checksums
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# authcheck.py prints the plan and the results; a failure keeps TESTDIR.
cluster_start
awscli s3api create-bucket --bucket auth >/dev/null ||
    bail "cannot create the bucket"
"$PY" "$top_srcdir/tests/integration/authcheck.py" "http://$ADDR" auth ||
    TAP_FAILED=1
exit 0
