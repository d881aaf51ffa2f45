#!/bin/bash
# t_rcache.sh - [gatewayd] record_cache: a gateway answers GETs and HEADs
# from the records it keeps, and never with one that a write, through it
# or through another gateway, has replaced; nor across metad restarts
#
# Hits and misses are read from gatewayd's counters in cairn status.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

B=rcache
EXTRA=()		# daemons this test starts by hand, to stop at the end

plan 40

# stat_of CONF NAME prints gatewayd's counter NAME, asking with CONF.
stat_of() {
	"$top_builddir/cairn" -f "$1" status | awk -v n="$2" '
	    index($0, "gatewayd ") == 1 {
		for (i = 1; i <= NF; i++)
			if (index($i, n "=") == 1)
				print substr($i, length(n) + 2) }'
}

# table prints the path of metad's record stamps.
table() {
	"$PY" -c 'import sys
h = 2166136261
for c in sys.argv[1].encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print("/dev/shm/cairn-stamps-%08x" % h)' "ipc://$DATA/run/metad.sock"
}

# answers HOST:PORT: something accepts connections there.
answers() { (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; }

# start_metad starts a metad by hand, after the cluster's is gone, and
# waits, bounded, until the gateway has connected to it again (nng
# redials with a backoff): a listing always asks metad.
start_metad() {
	"$top_builddir/cairn-metad" -f "$DATA/cairn.conf" \
	    2>>"$TESTDIR/metad.log" &
	EXTRA+=("$!")
	retry 100 0.1 cairn_cli status >/dev/null &&
	    retry 40 0.25 awscli s3api list-objects-v2 --bucket "$B" \
	    --max-keys 1 >/dev/null 2>&1
}

# stop_extra stops the daemons this test started, by pid.
stop_extra() {
	local p

	for p in "${EXTRA[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait_gone "$p" || kill -KILL "$p" 2>/dev/null
	done
	EXTRA=()
}

# start_gateway NAME HOST:PORT [VAR=VALUE...]: another gateway on the
# cluster's daemons, listening at HOST:PORT, with $TESTDIR/NAME.conf and
# the environment given; waits, bounded, until it accepts connections.
start_gateway() {
	local name=$1 addr=$2

	shift 2
	sed -e "s|^listen = $ADDR\$|listen = $addr\ncontrol = ipc://$TESTDIR/$name.sock|" \
	    "$DATA/cairn.conf" >"$TESTDIR/$name.conf"
	env "$@" "$top_builddir/cairn-gatewayd" -f "$TESTDIR/$name.conf" \
	    >"$TESTDIR/$name.log" 2>&1 &
	EXTRA+=("$!")
	retry 100 0.1 answers "$addr"
}

# get_fails_nosuchkey ADDR KEY: get-object through ADDR says NoSuchKey.
get_fails_nosuchkey() {
	local err

	err=$(ADDR=$1 awscli s3api get-object --bucket "$B" --key "$2" \
	    "$TESTDIR/files/got" 2>&1 >/dev/null) && return 1
	[[ $err == *NoSuchKey* ]] || { echo "$err"; return 1; }
}

testdir_init
trap 'st=$?; stop_extra; (exit "$st"); testdir_cleanup' EXIT
cluster_start
T=$(table)
check "metad publishes its record stamps" test -e "$T"
is "$(stat -c %a "$T")" 600 "readable by the daemons' user only"
check "create-bucket" awscli s3api create-bucket --bucket "$B"
f1=$(make_file v1 4096)
f2=$(make_file v2 3000)
f3=$(make_file v3 5001)
check "put-object k" s3_put "$B" k "$f1"
check "get-object k" s3_get_same "$B" k "$f1"
h0=$(stat_of "$DATA/cairn.conf" record_hits)
check "get-object k again" s3_get_same "$B" k "$f1"
h1=$(stat_of "$DATA/cairn.conf" record_hits)
(( h1 > h0 )) && ok "the second GET was answered from the record kept" ||
    not_ok "the second GET was answered from the record kept ($h0, $h1)"
check "overwrite k" s3_put "$B" k "$f2"
check "get-object k gives the new bytes at once" s3_get_same "$B" k "$f2"
check "head-object k tells the new length and ETag" s3_head_right "$B" k "$f2"

# An object in shards: its record is kept, its blocks are read each time.
c1=$(make_file c1 $((100 * 1024)))
c2=$(make_file c2 $((120 * 1024 + 7)))
check "put-object c, in shards" s3_put "$B" c "$c1"
s3_get_same "$B" c "$c1" >/dev/null
check "get-object c" s3_get_same "$B" c "$c1"
check "overwrite c" s3_put "$B" c "$c2"
check "get-object c gives the new object, not the old one's blocks" \
    s3_get_same "$B" c "$c2"

# A second gateway keeps records of its own; writes through the first
# must show in them.
ADDR2=127.0.0.1:$(free_port)
check "a second gateway starts" start_gateway gw2 "$ADDR2"
ADDR=$ADDR2 check "gateway 2: get-object k" s3_get_same "$B" k "$f2"
ADDR=$ADDR2 s3_get_same "$B" k "$f2" >/dev/null
h=$(stat_of "$TESTDIR/gw2.conf" record_hits)
(( h > 0 )) && ok "gateway 2 answers from the records it keeps ($h)" ||
    not_ok "gateway 2 answers from the records it keeps ($h)"
check "gateway 1: overwrite k" s3_put "$B" k "$f3"
ADDR=$ADDR2 check "gateway 2 gives the bytes written through gateway 1" \
    s3_get_same "$B" k "$f3"
ADDR=$ADDR2 check "and tells their length and ETag" s3_head_right "$B" k "$f3"
check "gateway 1: delete-object k" awscli s3api delete-object --bucket "$B" \
    --key k
check "gateway 2 then says NoSuchKey" get_fails_nosuchkey "$ADDR2" k

# A GET of a named version is never answered from what is kept.
check "enable versioning" awscli s3api put-bucket-versioning --bucket "$B" \
    --versioning-configuration Status=Enabled
awscli s3api put-object --bucket "$B" --key v --body "$f1" --output json \
    >"$TESTDIR/v1.json"
vid=$(json_field "$TESTDIR/v1.json" VersionId)
check "a second version" s3_put "$B" v "$f2"
s3_get_same "$B" v "$f2" >/dev/null
check "get-object v gives the latest" s3_get_same "$B" v "$f2"
rm -f "$TESTDIR/files/got"
awscli s3api get-object --bucket "$B" --key v --version-id "$vid" \
    "$TESTDIR/files/got" >/dev/null
is "$(sha256 "$TESTDIR/files/got")" "$(sha256 "$f1")" \
    "get-object v --version-id gives the first"

# metad dies: its table stays, and the next metad starts a new epoch.
check "put-object m" s3_put "$B" m "$f1"
s3_get_same "$B" m "$f1" >/dev/null
s3_get_same "$B" m "$f1" >/dev/null
m=$(daemon_pid metad)
kill -KILL "$m"
check "metad is gone after kill -9" wait_gone "$m"
check "the stamps outlive it" test -e "$T"
start_metad
m0=$(stat_of "$DATA/cairn.conf" record_misses)
check "get-object m after metad's restart" s3_get_same "$B" m "$f1"
m1=$(stat_of "$DATA/cairn.conf" record_misses)
(( m1 > m0 )) && ok "what was kept before the restart is read again" ||
    not_ok "what was kept before the restart is read again ($m0, $m1)"

# metad stops cleanly: it removes its table; the gateways map the next.
kill -TERM "${EXTRA[-1]}"
check "metad stops" wait_gone "${EXTRA[-1]}"
check "a clean stop removes the stamps" test ! -e "$T"
start_metad
check "the next metad publishes new ones" test -e "$T"
sleep 1.2		# a gateway maps a new table at most once a second
s3_get_same "$B" m "$f1" >/dev/null
h0=$(stat_of "$DATA/cairn.conf" record_hits)
check "get-object m" s3_get_same "$B" m "$f1"
h1=$(stat_of "$DATA/cairn.conf" record_hits)
(( h1 > h0 )) && ok "records are kept again with the new table" ||
    not_ok "records are kept again with the new table ($h0, $h1)"
# record_cache = 0: a gateway that keeps nothing.
ADDR3=127.0.0.1:$(free_port)
check "a gateway with record_cache = 0 starts" start_gateway gw3 "$ADDR3" \
    CAIRN_GATEWAYD_RECORD_CACHE=0
ADDR=$ADDR3 s3_get_same "$B" m "$f1" >/dev/null
ADDR=$ADDR3 check "it answers get-object m" s3_get_same "$B" m "$f1"
is "$(stat_of "$TESTDIR/gw3.conf" record_hits)/$(stat_of \
    "$TESTDIR/gw3.conf" record_bytes)" 0/0 "and keeps no record"
stop_extra
cluster_stop
check "nothing is left in /dev/shm" test ! -e "$T"
