#!/bin/bash
# t_badinput.sh - broken and hostile requests get S3's errors, change nothing
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# badinput.py prints the plan and the results; a failure keeps TESTDIR.
cluster_start
"$PY" "$top_srcdir/tests/integration/badinput.py" "${ADDR%:*}" \
    "${ADDR##*:}" || TAP_FAILED=1
exit 0
