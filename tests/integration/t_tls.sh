#!/bin/bash
# t_tls.sh - the S3 endpoint over TLS: HTTP/1.1 and, by ALPN, HTTP/2
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

plan 18
testdir_init

# A self-signed certificate for 127.0.0.1, and the cluster serving it.
CERT=$TESTDIR/cert.pem
KEY=$TESTDIR/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$KEY" -out "$CERT" 2>"$TESTDIR/openssl.log" ||
    bail "openssl cannot make a certificate"
export CAIRN_TLS_CERT=$CERT CAIRN_TLS_KEY=$KEY
cluster_start
B=tls-bucket
URL=https://$ADDR

tls_aws() { "$AWS" --endpoint-url "$URL" --ca-bundle "$CERT" "$@"; }

# tls_curl VERSION ARGS...: a signed request with curl over HTTP VERSION
# (--http2 or --http1.1); prints the status and the protocol version.
tls_curl() {
	local v=$1

	shift
	curl -sS "$v" --cacert "$CERT" --max-time 60 \
	    --aws-sigv4 "aws:amz:$TEST_REGION:s3" \
	    --user "$TEST_ACCESS_KEY:$TEST_SECRET_KEY" \
	    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
	    -w '%{http_code} %{http_version}' "$@"
}

# plain_refused: plain HTTP on the TLS port gets no answer.
plain_refused() { ! curl -s --max-time 5 -o /dev/null "http://$ADDR/"; }

# same_file KEY FILE: GET of KEY over TLS gives the bytes of FILE.
same_file() {
	tls_aws s3 cp --only-show-errors "s3://$B/$1" "$TESTDIR/got" &&
	    cmp "$2" "$TESTDIR/got"
}

check "the cluster says its endpoint is https" \
    grep -q "endpoint: *https://$ADDR" "$CLUSTER_LOG"
check "gatewayd logs an https endpoint" \
    grep -q "S3 endpoint on https://$ADDR" "$CLUSTER_LOG"
check "plain HTTP on the TLS port gets no answer" plain_refused
check "create-bucket over TLS" tls_aws s3api create-bucket --bucket "$B"

small=$(make_file small 5000)
big=$(make_file big $((20 * 1024 * 1024 + 17)))
check "a small object PUT over TLS reads back" \
    sh -c "'$AWS' --endpoint-url '$URL' --ca-bundle '$CERT' s3api \
        put-object --bucket '$B' --key small --body '$small' >/dev/null"
check "  its bytes are the same" same_file small "$small"
check "a 20 MiB object streams over TLS (multipart by aws s3 cp)" \
    tls_aws s3 cp --only-show-errors "$big" "s3://$B/big"
check "  its bytes are the same" same_file big "$big"

# ALPN offers HTTP/1.1 alone unless tls_http2 is set.
is "$(tls_curl --http2 -o "$TESTDIR/h1" "$URL/$B/small")" "200 1.1" \
    "a client asking for HTTP/2 is served HTTP/1.1 by default"
check "  its bytes are the same" cmp "$small" "$TESTDIR/h1"

# Both protocols tell policies that the request came over TLS.
policy='{"Version":"2012-10-17","Statement":[{"Effect":"Deny",
  "Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::'$B'/*",
  "Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}'
check "a policy denying GETs over TLS is stored" \
    tls_aws s3api put-bucket-policy --bucket "$B" --policy "$policy"
is "$(tls_curl --http1.1 -o /dev/null "$URL/$B/small")" "403 1.1" \
    "a GET over TLS and HTTP/1.1 is aws:SecureTransport"

cluster_stop
export CAIRN_GATEWAYD_TLS_HTTP2=1
cluster_start
is "$(tls_curl --http2 -o /dev/null "$URL/$B/small")" "403 2" \
    "with tls_http2, HTTP/2 by ALPN, and a GET over it is aws:SecureTransport"
check "the policy is deleted" \
    tls_aws s3api delete-bucket-policy --bucket "$B"
is "$(tls_curl --http2 -T "$big" -o /dev/null "$URL/$B/h2")" "200 2" \
    "a PUT over HTTP/2, chosen by ALPN"
check "  its bytes are the same" same_file h2 "$big"
is "$(tls_curl --http1.1 -o "$TESTDIR/h1" "$URL/$B/small")" "200 1.1" \
    "a GET over HTTP/1.1 when the client offers only that"
check "  its bytes are the same" cmp "$small" "$TESTDIR/h1"

exit 0
