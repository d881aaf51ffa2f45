# lib.sh - TAP output and a throw-away cairn cluster for the integration tests
# shellcheck shell=bash disable=SC2034 # the tests use the variables
#
# Sourced by tests/integration/t_*.sh.  The test harness sets top_srcdir and
# top_builddir (AM_TESTS_ENVIRONMENT); run by hand, both default to the
# source tree.  cluster_start runs scripts/cluster on a temporary data
# directory and a free port; the EXIT trap stops it and removes the
# directory, which is kept (and named) when a test failed.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

PY=/usr/bin/python3
AWS=/usr/bin/aws
TEST_ACCESS_KEY=CAIRNTESTACCESSKEY01
TEST_SECRET_KEY=cairnTestSecretKey+0000000000000000000/1
TEST_REGION=us-east-1
INLINE_MAX=16384		# the default inline threshold, [cluster] inline_max

TAP_N=0				# tests run so far
TAP_FAILED=0			# of which failed
TESTDIR=""			# everything of this test: data, logs, files
CLUSTER_PID=""			# scripts/cluster, while it runs
CLUSTER_STARTS=0
ADDR=""				# host:port of the S3 endpoint

# Nothing from the caller's environment may reach the daemons or clients.
for _v in $(compgen -e); do
	case $_v in CAIRN_*|AWS_*) unset "$_v" ;; esac
done
unset _v
# Tests count shard files: replaced shards go at once unless a test that
# is about [gatewayd] delete_delay sets it.
export CAIRN_GATEWAYD_DELETE_DELAY=0

# --- TAP ------------------------------------------------------------------

plan() { echo "1..$1"; }

# diag prints its arguments, or its standard input, as TAP comments.
diag() {
	if (( $# > 0 )); then
		printf '%s\n' "$*" | sed 's/^/# /'
	else
		sed 's/^/# /'
	fi
}

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}

skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP ${2:-}"; }

# check DESCRIPTION COMMAND...: one test, passing when COMMAND succeeds.
# COMMAND's output is shown as diagnostics when it fails.
check() {
	local desc=$1 out

	shift
	out=$TESTDIR/check.out
	if "$@" >"$out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "command: $*"
		tail -n 40 "$out" | diag
	fi
}

# check_fails DESCRIPTION PATTERN COMMAND...: COMMAND must fail and say
# PATTERN (an extended regular expression), e.g. an S3 error code.
check_fails() {
	local desc=$1 pat=$2 out

	shift 2
	out=$TESTDIR/check.out
	if "$@" >"$out" 2>&1; then
		not_ok "$desc"
		diag "command succeeded, expected a failure with $pat: $*"
		tail -n 20 "$out" | diag
	elif ! grep -Eq -- "$pat" "$out"; then
		not_ok "$desc"
		diag "command failed, but without $pat: $*"
		tail -n 20 "$out" | diag
	else
		ok "$desc"
	fi
}

# exit_is STATUS COMMAND...: succeeds when COMMAND exits with STATUS.
exit_is() {
	local want=$1 st=0

	shift
	"$@" || st=$?
	(( st == want )) && return 0
	echo "exit status $st, want $want: $*"
	return 1
}

# is GOT WANT DESCRIPTION: one test comparing two strings.
is() {
	if [[ $1 == "$2" ]]; then
		ok "$3"
	else
		not_ok "$3"
		diag "got:  '$1'"
		diag "want: '$2'"
	fi
}

bail() {
	echo "Bail out! $*"
	TAP_FAILED=$((TAP_FAILED + 1))
	exit 1
}

# --- bounded waits -----------------------------------------------------------

# retry TRIES PAUSE COMMAND...: runs COMMAND until it succeeds, at most
# TRIES times, sleeping PAUSE seconds after each failure; fails if COMMAND
# never succeeded.
retry() {
	local tries=$1 pause=$2 n

	shift 2
	for (( n = 0; n < tries; n++ )); do
		"$@" && return 0
		sleep "$pause"
	done
	return 1
}

# is_gone PID: PID has exited.
is_gone() { ! kill -0 "$1" 2>/dev/null; }

# wait_gone PID: bounded wait (10 s) for PID to exit.
wait_gone() { retry 100 0.1 is_gone "$1"; }

# --- the test directory ------------------------------------------------------

testdir_init() {
	[[ -n $TESTDIR ]] && return
	TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/cairn-test.XXXXXX") ||
	    bail "cannot make a temporary directory"
	DATA=$TESTDIR/data
	mkdir "$TESTDIR/files"
	# Clients read no configuration but ours.
	printf '[default]\ns3 =\n    addressing_style = path\n' \
	    >"$TESTDIR/aws-config"
	: >"$TESTDIR/aws-credentials"
	export AWS_CONFIG_FILE=$TESTDIR/aws-config
	export AWS_SHARED_CREDENTIALS_FILE=$TESTDIR/aws-credentials
	export AWS_ACCESS_KEY_ID=$TEST_ACCESS_KEY
	export AWS_SECRET_ACCESS_KEY=$TEST_SECRET_KEY
	export AWS_DEFAULT_REGION=$TEST_REGION
	export AWS_EC2_METADATA_DISABLED=true
	export AWS_PAGER=""
	# A retry would hide a failed request.
	export AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=1
	trap testdir_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

testdir_cleanup() {
	local st=$?

	[[ -z $CLUSTER_PID ]] || cluster_stop >/dev/null
	if (( TAP_FAILED > 0 || st != 0 )); then
		diag "test directory kept: $TESTDIR"
	else
		rm -rf "$TESTDIR"
	fi
	exit "$st"
}

# free_port prints a TCP port of 127.0.0.1 that nothing listens on now.
free_port() {
	"$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# --- the cluster ---------------------------------------------------------------

# cluster_spawn runs scripts/cluster in the background and waits, bounded,
# until it says "ready" (0) or gives up (1).
cluster_spawn() {
	local n

	CLUSTER_STARTS=$((CLUSTER_STARTS + 1))
	CLUSTER_LOG=$TESTDIR/cluster.$CLUSTER_STARTS.log
	CAIRN_DATA_DIR=$DATA CAIRN_S3_ADDR=$ADDR \
	    CAIRN_ROOT_ACCESS_KEY=$TEST_ACCESS_KEY \
	    CAIRN_ROOT_SECRET_KEY=$TEST_SECRET_KEY \
	    CAIRN_BIN_DIR=$top_builddir \
	    "$top_srcdir/scripts/cluster" >"$CLUSTER_LOG" 2>&1 </dev/null &
	CLUSTER_PID=$!
	for (( n = 0; n < 900; n++ )); do
		grep -qx ready "$CLUSTER_LOG" 2>/dev/null && return 0
		kill -0 "$CLUSTER_PID" 2>/dev/null || break
		sleep 0.1
	done
	cluster_stop >/dev/null
	return 1
}

# cluster_start starts the cluster or bails out.  A second start reuses
# the data and the port.  The first start tries another port if someone
# took the free one in the meantime.
cluster_start() {
	testdir_init
	if [[ -n $ADDR ]]; then
		cluster_spawn && return 0
	else
		ADDR=127.0.0.1:$(free_port)
		cluster_spawn && return 0
		if grep -qi 'in use' "$CLUSTER_LOG"; then
			ADDR=127.0.0.1:$(free_port)
			cluster_spawn && return 0
		fi
	fi
	diag "the cluster did not start; its log:"
	diag <"$CLUSTER_LOG"
	bail "cannot start the cluster"
}

# cluster_stop sends TERM to scripts/cluster, which stops its daemons, and
# waits for it, bounded.  If it hangs, it and its daemons are killed.
cluster_stop() {
	local pid f

	[[ -n $CLUSTER_PID ]] || return 0
	kill -TERM "$CLUSTER_PID" 2>/dev/null
	if ! retry 400 0.1 is_gone "$CLUSTER_PID"; then
		diag "scripts/cluster did not stop; killing it and its daemons"
		kill -KILL "$CLUSTER_PID" 2>/dev/null
		for f in "$DATA"/run/*.pid; do
			[[ -f $f ]] || continue
			pid=$(<"$f")
			[[ $(cat "/proc/$pid/comm" 2>/dev/null) == cairn-* ]] &&
			    kill -KILL "$pid"
		done
		wait "$CLUSTER_PID" 2>/dev/null
		CLUSTER_PID=""
		return 1
	fi
	wait "$CLUSTER_PID" 2>/dev/null
	CLUSTER_PID=""
}

cluster_restart() {
	cluster_stop || bail "the cluster did not stop"
	cluster_start
}

# daemon_pid NAME prints the pid of metad, chunkd-d1..chunkd-d4 or gatewayd.
daemon_pid() { cat "$DATA/run/$1.pid"; }

# cairn_cli runs the cairn command on the cluster's configuration.
cairn_cli() { "$top_builddir/cairn" -f "$DATA/cairn.conf" "$@"; }

# awscli runs the aws command against the cluster.
awscli() { "$AWS" --endpoint-url "http://$ADDR" "$@"; }

# --- files -----------------------------------------------------------------------

# make_file NAME SIZE writes SIZE random bytes to $TESTDIR/files/NAME and
# prints its path.
make_file() {
	local f=$TESTDIR/files/$1

	head -c "$2" /dev/urandom >"$f"
	echo "$f"
}

sha256() { sha256sum <"$1" | cut -d' ' -f1; }
md5() { md5sum <"$1" | cut -d' ' -f1; }

# json_field FILE KEY prints the value of KEY in the JSON object in FILE.
json_field() {
	"$PY" -c 'import json, sys
print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2"
}

# --- objects through aws(1), for check ------------------------------------------

# s3_put BUCKET KEY FILE: a single put-object, answered with FILE's MD5 as
# ETag.  (s3 cp would use multipart uploads above 8 MiB.)
s3_put() {
	local json=$TESTDIR/put.json etag

	awscli s3api put-object --bucket "$1" --key "$2" --body "$3" \
	    --output json >"$json" || return 1
	etag=$(json_field "$json" ETag)
	[[ $etag == "\"$(md5 "$3")\"" ]] && return 0
	echo "ETag $etag, MD5 $(md5 "$3")"
	return 1
}

# s3_get_same BUCKET KEY FILE: get-object gives back the bytes of FILE.
s3_get_same() {
	local out=$TESTDIR/files/got

	rm -f "$out"
	awscli s3api get-object --bucket "$1" --key "$2" "$out" \
	    >/dev/null || return 1
	if [[ $(sha256 "$out") != "$(sha256 "$3")" ]]; then
		echo "SHA-256 differs: got $(stat -c %s "$out") bytes," \
		    "want $(stat -c %s "$3")"
		return 1
	fi
	rm -f "$out"
}

# s3_head_right BUCKET KEY FILE: head-object tells FILE's length and MD5.
s3_head_right() {
	local json=$TESTDIR/head.json len etag

	awscli s3api head-object --bucket "$1" --key "$2" --output json \
	    >"$json" || return 1
	len=$(json_field "$json" ContentLength)
	etag=$(json_field "$json" ETag)
	[[ $len == "$(stat -c %s "$3")" && $etag == "\"$(md5 "$3")\"" ]] &&
	    return 0
	echo "want ContentLength $(stat -c %s "$3") and ETag \"$(md5 "$3")\""
	cat "$json"
	return 1
}
