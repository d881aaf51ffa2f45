#!/bin/bash
# t_vhost.sh - virtual-host-style addressing ([gatewayd] domains)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The domains reach cairn-gatewayd through its environment override.
export CAIRN_GATEWAYD_DOMAINS="cairn.test, s3.cairn.test"
cluster_start
"$PY" "$top_srcdir/tests/integration/s3vhost.py" "${ADDR##*:}" \
    s3.cairn.test || TAP_FAILED=1
exit 0
