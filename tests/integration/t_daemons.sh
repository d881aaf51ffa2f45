#!/bin/bash
# t_daemons.sh - the daemons' flags, signals, status and unauthenticated S3
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 46
cluster_start
CONF=$DATA/cairn.conf
BROKEN=$TESTDIR/broken.conf

# run_n PROGRAM ARGS...: PROGRAM -n -f "$CONF_UNDER_TEST" ARGS...
run_n() {
	local prog=$1

	shift
	"$top_builddir/$prog" -n -f "$CONF_UNDER_TEST" "$@"
}

# says_ok PROGRAM ARGS...: -n accepts the file and says so.
says_ok() {
	local out

	out=$(run_n "$@" 2>&1) || { echo "$out"; return 1; }
	echo "$out"
	grep -q 'configuration OK' <<<"$out"
}

DAEMONS=("cairn-metad" "cairn-chunkd d1" "cairn-gatewayd" "cairn-scrubd")

# --- -n on the generated configuration and on broken ones ------------------

CONF_UNDER_TEST=$CONF
for d in "${DAEMONS[@]}"; do
	# shellcheck disable=SC2086 # "cairn-chunkd d1" is program and drive
	check "$d -n accepts the generated configuration" says_ok $d
done
check_fails "cairn-chunkd -n rejects a drive not in the file" "d9" \
    run_n cairn-chunkd d9

# broken DESCRIPTION PATTERN: every daemon's -n must reject $BROKEN and
# name the problem (PATTERN).
broken() {
	local d

	CONF_UNDER_TEST=$BROKEN
	for d in "${DAEMONS[@]}"; do
		# shellcheck disable=SC2086
		check_fails "${d%% *} -n rejects $1" "$2" run_n $d
	done
	CONF_UNDER_TEST=$CONF
}

sed 's/^\[cluster\]$/[cluster]\nno_such_key = 1/' "$CONF" >"$BROKEN"
broken "an unknown key" "no_such_key"

sed '/^\[drive /,$d' "$CONF" >"$BROKEN"
broken "a file without drives" "drive"

sed '/^\[drive d[34]\]/,$d' "$CONF" >"$BROKEN"
printf '[cluster]\nparity = 2\n' >>"$BROKEN"
broken "parity 2 over 2 drives" "parity|drive"

cp "$CONF" "$BROKEN"
for i in $(seq 5 17); do
	printf '\n[drive x%d]\npath = %s/x%d\n' "$i" "$DATA" "$i" >>"$BROKEN"
done
broken "17 drives" "drive"

# --- cairn status --------------------------------------------------------------

check "cairn status exits 0 with every daemon up" \
    cairn_cli status
cairn_cli status >"$TESTDIR/status.out" 2>&1
listed=1
for name in metad d1 d2 d3 d4 gatewayd scrubd; do
	grep -qw -- "$name" "$TESTDIR/status.out" || listed=0
done
if (( listed )); then
	ok "cairn status lists metad, d1..d4, gatewayd and scrubd"
else
	not_ok "cairn status lists metad, d1..d4, gatewayd and scrubd"
	diag <"$TESTDIR/status.out"
fi
json_status() (
	set -o pipefail
	cairn_cli --json status | "$PY" -m json.tool
)
check "cairn --json status prints JSON" json_status

# --- S3 without or with bad credentials (curl) -----------------------------------

EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# s3curl NAME CURL-ARGS...: one request; headers to NAME.h, body to NAME.b,
# and the status code on stdout.
s3curl() {
	local name=$TESTDIR/$1

	shift
	curl -sS -o "$name.b" -D "$name.h" -w '%{http_code}' "$@"
}

# signed SECRET NAME URL: a SigV4 request as S3 wants it, with SECRET.
signed() {
	s3curl "$2" --aws-sigv4 "aws:amz:$TEST_REGION:s3" \
	    --user "$TEST_ACCESS_KEY:$1" \
	    -H "x-amz-content-sha256: $EMPTY_SHA" "$3"
}

# s3_error NAME CODE: NAME.b is an S3 XML error with CODE and the request
# id of NAME.h.
s3_error() {
	local rid

	rid=$(tr -d '\r' <"$TESTDIR/$1.h" |
	    sed -n 's/^[Xx]-[Aa]mz-[Rr]equest-[Ii]d: *//p')
	if grep -q '^<?xml' "$TESTDIR/$1.b" &&
	    grep -q "<Error>" "$TESTDIR/$1.b" &&
	    grep -q "<Code>$2</Code>" "$TESTDIR/$1.b" &&
	    grep -q "<RequestId>$rid</RequestId>" "$TESTDIR/$1.b"; then
		return 0
	fi
	cat "$TESTDIR/$1.h" "$TESTDIR/$1.b"
	return 1
}

has_request_id() {
	grep -qi '^x-amz-request-id: *[^[:space:]]' "$TESTDIR/$1.h" ||
	    { cat "$TESTDIR/$1.h"; return 1; }
}

URL=http://$ADDR
is "$(s3curl anon "$URL/")" 403 "unsigned ListBuckets is 403"
check "its body is an AccessDenied XML error with the request id" \
    s3_error anon AccessDenied
is "$(s3curl anon_obj "$URL/somebucket/somekey")" 403 \
    "unsigned GetObject is 403"
check "its body is an AccessDenied XML error" s3_error anon_obj AccessDenied
is "$(signed "$TEST_SECRET_KEY" good "$URL/")" 200 \
    "ListBuckets signed with the right secret is 200"
is "$(signed "${TEST_SECRET_KEY}x" badsig "$URL/")" 403 \
    "ListBuckets signed with a wrong secret is 403"
check "its body is a SignatureDoesNotMatch XML error" \
    s3_error badsig SignatureDoesNotMatch
is "$(signed "$TEST_SECRET_KEY" nobucket "$URL/no-such-bucket/k")" 404 \
    "GetObject on a missing bucket is 404"
check "its body is a NoSuchBucket XML error" s3_error nobucket NoSuchBucket
ids=1
for r in anon anon_obj good badsig nobucket; do
	has_request_id "$r" >/dev/null || ids=0
done
is "$ids" 1 "every response has x-amz-request-id"

# --- signals ----------------------------------------------------------------------

# wait_for_log PATTERN: bounded wait for PATTERN in this cluster's log.
wait_for_log() { retry 50 0.1 grep -Eq -- "$1" "$CLUSTER_LOG"; }

for name in metad chunkd-d1 scrubd gatewayd; do
	pid=$(daemon_pid "$name")
	kill -HUP "$pid"
	check "$name logs the reload after SIGHUP" \
	    wait_for_log "\\[$name\\].*configuration reloaded"
	check "$name still runs after SIGHUP" kill -0 "$pid"
done
check "cairn status still exits 0 after SIGHUP" cairn_cli status

d3=$(daemon_pid chunkd-d3)
kill -TERM "$d3"
check "SIGTERM stops chunkd d3" wait_gone "$d3"
check "chunkd d3 exits with status 0 on SIGTERM" \
    wait_for_log "chunkd-d3 \(pid $d3\) exited with status 0"
check "cairn status exits 1 with chunkd d3 down" exit_is 1 cairn_cli status

exit 0
