#!/bin/bash
# t_bconf.sh - bucket tagging, CORS, notification and replication
# configurations with boto3 and aws(1); CORS preflights and the CORS
# headers of a real GET with curl
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

BCONF=$top_srcdir/tests/integration/bconf.py
B=cli-bconf

n=$(AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x "$PY" "$BCONF" --count) ||
    bail "bconf.py --count failed"
plan $((n + 28))
cluster_start
"$PY" "$BCONF" "http://$ADDR" "$DATA/cairn.conf" \
    "$top_builddir/tests/integration/set_versioning" --no-plan |
    tee "$TESTDIR/bconf.tap"
TAP_N=$n
TAP_FAILED=$(grep -c '^not ok' "$TESTDIR/bconf.tap")
(( $(grep -c '^\(not \)\?ok' "$TESTDIR/bconf.tap") == n )) ||
    TAP_FAILED=$((TAP_FAILED + 1))

# --- aws s3api ---------------------------------------------------------------
f=$TESTDIR/files
mkdir -p "$f"
check "create-bucket" awscli s3api create-bucket --bucket "$B"

check "put-bucket-tagging" awscli s3api put-bucket-tagging --bucket "$B" \
    --tagging 'TagSet=[{Key=project,Value=cairn},{Key=tier,Value=gold}]'
is "$(awscli s3api get-bucket-tagging --bucket "$B" --output text \
    --query 'TagSet[].[Key,Value]' | tr '\t\n' '=,')" \
    "project=cairn,tier=gold," "get-bucket-tagging returns the tags"
check_fails "put-bucket-tagging, a key twice: InvalidTag" InvalidTag \
    awscli s3api put-bucket-tagging --bucket "$B" \
    --tagging 'TagSet=[{Key=a,Value=1},{Key=a,Value=2}]'
check "delete-bucket-tagging" awscli s3api delete-bucket-tagging --bucket "$B"
check_fails "get-bucket-tagging after delete: NoSuchTagSet" NoSuchTagSet \
    awscli s3api get-bucket-tagging --bucket "$B"

cat >"$f/cors.json" <<'JSON'
{"CORSRules": [
 {"AllowedOrigins": ["https://*.example.com"],
  "AllowedMethods": ["GET", "HEAD"],
  "AllowedHeaders": ["x-amz-*", "content-type"],
  "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600},
 {"AllowedOrigins": ["*"], "AllowedMethods": ["PUT"]}]}
JSON
sed 's/"PUT"/"PATCH"/' "$f/cors.json" >"$f/cors-bad.json"
check_fails "get-bucket-cors of none: NoSuchCORSConfiguration" \
    NoSuchCORSConfiguration awscli s3api get-bucket-cors --bucket "$B"
check_fails "put-bucket-cors with PATCH: InvalidRequest" \
    'InvalidRequest.*Unsupported method is PATCH' \
    awscli s3api put-bucket-cors --bucket "$B" \
    --cors-configuration "file://$f/cors-bad.json"

# preflight ORIGIN METHOD [HEADERS [PATH]]: curl's status line and
# headers of an OPTIONS request, lowercased, CR removed.
preflight() {
	local h=()

	[[ -n $1 ]] && h+=(-H "Origin: $1")
	[[ -n $2 ]] && h+=(-H "Access-Control-Request-Method: $2")
	[[ -n ${3:-} ]] && h+=(-H "Access-Control-Request-Headers: $3")
	curl -s -D - -o "$TESTDIR/preflight.body" -X OPTIONS "${h[@]}" \
	    "http://$ADDR${4:-/$B}" | tr -d '\r' | tr '[:upper:]' '[:lower:]'
	cat "$TESTDIR/preflight.body" >>"$TESTDIR/preflight.bodies"
}
out=$(preflight https://app.example.com GET)
check "a preflight without a configuration: 403 CORS is not enabled" \
    bash -c '[[ $1 == "http/1.1 403"* ]] &&
    grep -q "<Code>AccessForbidden</Code><Message>CORSResponse: CORS is not enabled for this bucket.</Message>" "$2"' \
    _ "$out" "$TESTDIR/preflight.body"

check "put-bucket-cors" awscli s3api put-bucket-cors --bucket "$B" \
    --cors-configuration "file://$f/cors.json"
is "$(awscli s3api get-bucket-cors --bucket "$B" --output text \
    --query 'CORSRules[0].[AllowedOrigins[0],MaxAgeSeconds]')" \
    "$(printf 'https://*.example.com\t600')" "get-bucket-cors returns the rules"

out=$(preflight https://app.example.com GET 'X-Amz-Date, Content-Type' \
    "/$B/some/key")
check "a preflight the first rule allows: 200 and its headers" \
    bash -c 'grep -qx "http/1.1 200 ok" <<<"$1" &&
    grep -qx "access-control-allow-origin: https://app.example.com" <<<"$1" &&
    grep -qx "access-control-allow-methods: get, head" <<<"$1" &&
    grep -qx "access-control-allow-headers: x-amz-date, content-type" <<<"$1" &&
    grep -qx "access-control-max-age: 600" <<<"$1" &&
    grep -qx "access-control-expose-headers: etag" <<<"$1" &&
    grep -qx "access-control-allow-credentials: true" <<<"$1" &&
    grep -q "^vary: origin" <<<"$1"' _ "$out"
out=$(preflight https://other.test PUT)
check "a preflight the '*' rule allows: Access-Control-Allow-Origin *" \
    bash -c 'grep -qx "http/1.1 200 ok" <<<"$1" &&
    grep -qx "access-control-allow-origin: \*" <<<"$1" &&
    grep -qx "access-control-allow-methods: put" <<<"$1"' _ "$out"
# S3's own words, typo included; gatewayd's XML escapes the apostrophe.
msg='<Code>AccessForbidden</Code><Message>CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource&apos;s CORS spec.</Message>'
out=$(preflight https://other.test GET)
check "a preflight no rule allows (origin): 403 AccessForbidden" \
    bash -c '[[ $1 == "http/1.1 403"* ]] && grep -qF "$2" "$3" &&
    ! grep -q "^access-control" <<<"$1"' \
    _ "$out" "$msg" "$TESTDIR/preflight.body"
out=$(preflight https://app.example.com GET 'x-custom')
check "a preflight no rule allows (header): 403 AccessForbidden" \
    bash -c '[[ $1 == "http/1.1 403"* ]] && grep -qF "$2" "$3"' \
    _ "$out" "$msg" "$TESTDIR/preflight.body"
out=$(preflight '' GET)
check "a preflight without Origin: 400 BadRequest" \
    bash -c '[[ $1 == "http/1.1 400"* ]] && grep -q "<Code>BadRequest</Code>" "$2"' \
    _ "$out" "$TESTDIR/preflight.body"
out=$(preflight https://app.example.com '')
check "a preflight without Access-Control-Request-Method: 400 BadRequest" \
    bash -c '[[ $1 == "http/1.1 400"* ]] && grep -q "<Code>BadRequest</Code>" "$2"' \
    _ "$out" "$TESTDIR/preflight.body"

# get_headers URL [CURL-ARGS...]: the status line and headers of a GET,
# lowercased, CR removed.
get_headers() {
	local url=$1

	shift
	curl -s -D - -o /dev/null "$@" "$url" | tr -d '\r' |
	    tr '[:upper:]' '[:lower:]'
}

# A real GET: a presigned URL, fetched with and without Origin.
echo hello >"$f/obj"
check "put-object" awscli s3api put-object --bucket "$B" --key obj \
    --body "$f/obj"
url=$(awscli s3 presign "s3://$B/obj")
out=$(get_headers "$url" -H 'Origin: https://app.example.com')
check "a GET with an allowed Origin carries the rule's CORS headers" \
    bash -c 'grep -qx "http/1.1 200 ok" <<<"$1" &&
    grep -qx "access-control-allow-origin: https://app.example.com" <<<"$1" &&
    grep -qx "access-control-allow-methods: get, head" <<<"$1" &&
    grep -qx "access-control-expose-headers: etag" <<<"$1" &&
    grep -qx "access-control-max-age: 600" <<<"$1"' _ "$out"
out=$(get_headers "$url")
check "a GET without Origin carries none" \
    bash -c 'grep -qx "http/1.1 200 ok" <<<"$1" &&
    ! grep -q "^access-control" <<<"$1"' _ "$out"
out=$(get_headers "$url" -H 'Origin: https://other.test')
check "a GET with an Origin no GET rule allows carries none" \
    bash -c 'grep -qx "http/1.1 200 ok" <<<"$1" &&
    ! grep -q "^access-control" <<<"$1"' _ "$out"
url=$(awscli s3 presign "s3://$B/missing")
out=$(get_headers "$url" -H 'Origin: https://app.example.com')
check "an error answer carries the CORS headers too" \
    bash -c 'grep -qx "http/1.1 404 not found" <<<"$1" &&
    grep -qx "access-control-allow-origin: https://app.example.com" <<<"$1"' \
    _ "$out"
check "delete-bucket-cors" awscli s3api delete-bucket-cors --bucket "$B"

cat >"$f/notif.json" <<'JSON'
{"QueueConfigurations": [{"Id": "q", "QueueArn":
  "arn:aws:sqs:us-east-1:123456789012:q", "Events": ["s3:ObjectCreated:*"]}]}
JSON
sed 's/ObjectCreated:\*/ObjectCreated:Nope/' "$f/notif.json" >"$f/notif-bad.json"
check "put-bucket-notification-configuration" \
    awscli s3api put-bucket-notification-configuration --bucket "$B" \
    --notification-configuration "file://$f/notif.json"
is "$(awscli s3api get-bucket-notification-configuration --bucket "$B" \
    --output text --query 'QueueConfigurations[0].[Id,Events[0]]')" \
    "$(printf 'q\ts3:ObjectCreated:*')" \
    "get-bucket-notification-configuration returns it"
check_fails "an unknown event: InvalidArgument" InvalidArgument \
    awscli s3api put-bucket-notification-configuration --bucket "$B" \
    --notification-configuration "file://$f/notif-bad.json"

cat >"$f/repl.json" <<'JSON'
{"Role": "arn:aws:iam::123456789012:role/r", "Rules": [{"ID": "r1",
  "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
  "DeleteMarkerReplication": {"Status": "Disabled"},
  "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}]}
JSON
check_fails "put-bucket-replication without versioning: InvalidRequest" \
    "InvalidRequest.*Versioning must be 'Enabled'" \
    awscli s3api put-bucket-replication --bucket "$B" \
    --replication-configuration "file://$f/repl.json"
check_fails "get-bucket-replication of none: ReplicationConfigurationNotFoundError" \
    ReplicationConfigurationNotFoundError \
    awscli s3api get-bucket-replication --bucket "$B"
exit 0
