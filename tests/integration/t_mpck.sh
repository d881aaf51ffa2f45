#!/bin/bash
# t_mpck.sh - checksums of multipart uploads: boto3 (mpck.py) and aws(1)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

MPCK=$top_srcdir/tests/integration/mpck.py
n=$("$PY" "$MPCK" --count) || bail "mpck.py --count failed"
plan $((n + 13))
cluster_start
"$PY" "$MPCK" "http://$ADDR" | grep -v '^1\.\.' | tee "$TESTDIR/mpck.tap"
TAP_N=$n
TAP_FAILED=$(grep -c '^not ok' "$TESTDIR/mpck.tap")
(( $(grep -c '^\(not \)\?ok' "$TESTDIR/mpck.tap") == n )) ||
    TAP_FAILED=$((TAP_FAILED + 1))

B=mpck-cli
awscli s3 mb "s3://$B" >/dev/null || bail "cannot make the bucket"

# composite ALG FILE PARTSIZE [PART]: the COMPOSITE checksum S3 gives FILE
# sent in parts of PARTSIZE bytes, or the checksum of part PART alone.
composite() {
	"$PY" - "$@" <<'PYEOF'
import base64, hashlib, sys, zlib
alg, path, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(path, 'rb').read()
parts = [data[i:i + size] for i in range(0, len(data), size)]
def dig(b):
    if alg == 'crc32':
        return zlib.crc32(b).to_bytes(4, 'big')
    return hashlib.new(alg, b).digest()
if len(sys.argv) > 4:
    print(base64.b64encode(dig(parts[int(sys.argv[4]) - 1])).decode())
else:
    raw = b''.join(dig(p) for p in parts)
    print('%s-%d' % (base64.b64encode(dig(raw)).decode(), len(parts)))
PYEOF
}

# head_field KEY FIELD [ARGS...]: one field of head-object with checksums.
head_field() {
	local key=$1 field=$2

	shift 2
	awscli s3api head-object --bucket "$B" --key "$key" \
	    --checksum-mode ENABLED --query "$field" --output text "$@"
}

# type_header_is KEY TYPE: head-object answers x-amz-checksum-type: TYPE.
type_header_is() {
	awscli --debug s3api head-object --bucket "$B" --key "$1" \
	    --checksum-mode ENABLED 2>&1 >/dev/null |
	    grep -F "'x-amz-checksum-type': '$2'"
}

# same_as FILE KEY: aws s3 cp of KEY gives the bytes of FILE.
same_as() {
	local got=$TESTDIR/files/got

	rm -f "$got"
	awscli s3 cp --only-show-errors "s3://$B/$2" "$got" &&
	    [[ $(sha256 "$got") == "$(sha256 "$1")" ]]
}

MiB=$((1024 * 1024))
f=$(make_file f20 $((20 * MiB)))

# Debian's aws 2.9 has no s3 cp --checksum-algorithm: s3api, part by part,
# as aws s3 cp would send 20 MiB (3 parts of 8 MiB).
split -b $((8 * MiB)) "$f" "$TESTDIR/files/piece."
upload_id=$(awscli s3api create-multipart-upload --bucket "$B" --key crc32 \
    --checksum-algorithm CRC32 --query UploadId --output text)
# upload_pieces OUT: upload-part of each piece; the parts list into OUT.
upload_pieces() {
	local n=0 p sep=""

	exec 3>"$1"
	printf '{"Parts": [' >&3
	for p in "$TESTDIR"/files/piece.*; do
		n=$((n + 1))
		awscli s3api upload-part --bucket "$B" --key crc32 \
		    --upload-id "$upload_id" --part-number "$n" --body "$p" \
		    --checksum-algorithm CRC32 --output json \
		    >"$TESTDIR/part.json" || return 1
		"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("%s{\"PartNumber\": %s, \"ETag\": %s, \"ChecksumCRC32\": \"%s\"}" %
      (sys.argv[2], sys.argv[3], json.dumps(d["ETag"]), d["ChecksumCRC32"]),
      end="")' "$TESTDIR/part.json" "$sep" "$n" >&3 || return 1
		sep=", "
	done
	printf ']}\n' >&3
	exec 3>&-
}
check "upload-part --checksum-algorithm CRC32 of 3 parts" \
    upload_pieces "$TESTDIR/parts.json"
check "complete-multipart-upload with each part's ChecksumCRC32" \
    awscli s3api complete-multipart-upload --bucket "$B" --key crc32 \
    --upload-id "$upload_id" --multipart-upload "file://$TESTDIR/parts.json"
is "$(head_field crc32 ChecksumCRC32)" "$(composite crc32 "$f" $((8 * MiB)))" \
    "head-object --checksum-mode: the COMPOSITE CRC32 of the 3 parts"
check "and x-amz-checksum-type: COMPOSITE (aws 2.9 has no ChecksumType)" \
    type_header_is crc32 COMPOSITE
is "$(head_field crc32 ChecksumCRC32 --part-number 2)" \
    "$(composite crc32 "$f" $((8 * MiB)) 2)" \
    "head-object --part-number 2: the CRC32 of part 2"
check "aws s3 cp back: the same SHA-256" same_as "$f" crc32
check "aws s3 cp of 20 MiB, multipart without a checksum" \
    awscli s3 cp --only-show-errors "$f" "s3://$B/plain"
is "$(head_field plain ChecksumCRC32)" None \
    "head-object --checksum-mode: no checksum for it"

# The low-level calls one by one, with SHA1.
small=$(make_file small 1000)
upload_id=$(awscli s3api create-multipart-upload --bucket "$B" --key s3api \
    --checksum-algorithm SHA1 --query UploadId --output text)
check_fails "upload-part with a wrong --checksum-sha1 fails with BadDigest" \
    BadDigest awscli s3api upload-part --bucket "$B" --key s3api \
    --upload-id "$upload_id" --part-number 1 --body "$small" \
    --checksum-sha1 "$(composite sha1 "$f" $((8 * MiB)) 1)"
etag=$(awscli s3api upload-part --bucket "$B" --key s3api \
    --upload-id "$upload_id" --part-number 1 --body "$small" \
    --checksum-algorithm SHA1 --query ETag --output text)
part_sha1=$(composite sha1 "$small" 1000 1)
is "$(awscli s3api list-parts --bucket "$B" --key s3api \
    --upload-id "$upload_id" --query 'Parts[0].ChecksumSHA1' --output text)" \
    "$part_sha1" "list-parts shows the part's ChecksumSHA1"
printf '{"Parts": [{"PartNumber": 1, "ETag": %s, "ChecksumSHA1": "%s"}]}' \
    "$etag" "$part_sha1" >"$TESTDIR/parts.json"
check "complete-multipart-upload with the part's ChecksumSHA1" \
    awscli s3api complete-multipart-upload --bucket "$B" --key s3api \
    --upload-id "$upload_id" --multipart-upload "file://$TESTDIR/parts.json"
is "$(head_field s3api ChecksumSHA1)" "$(composite sha1 "$small" 1000)" \
    "head-object: the COMPOSITE SHA1 of the one part"
check "remove the bucket" awscli s3 rb --force "s3://$B"
exit 0
