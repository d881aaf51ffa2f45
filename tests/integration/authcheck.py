#!/usr/bin/python3
"""authcheck.py - SigV4 in its other forms and S3 checksums, as TAP.

Usage: authcheck.py ENDPOINT_URL BUCKET

Presigned GET and PUT URLs from boto3 driven with curl, an expired one,
aws-chunked uploads signed by hand (hmac, hashlib) in all three forms,
with one chunk signature or one checksum wrong, and boto3's own flexible
checksums with GetObject's checksum mode.  Credentials come from the
AWS_* environment variables, as for s3check.py.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import os
import subprocess
import sys
import time
import urllib.parse
import zlib

import boto3
from botocore.config import Config

import s3tap
from s3tap import error_of, expect

ENDPOINT, BUCKET = sys.argv[1], sys.argv[2]
HOSTPORT = urllib.parse.urlparse(ENDPOINT).netloc
AK = os.environ['AWS_ACCESS_KEY_ID']
SK = os.environ['AWS_SECRET_ACCESS_KEY']
REGION = os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')
EMPTY = hashlib.sha256(b'').hexdigest()
KiB = 1024


def client():
    conf = Config(s3={'addressing_style': 'path'},
                  retries={'total_max_attempts': 1}, signature_version='s3v4')
    return boto3.client('s3', endpoint_url=ENDPOINT, config=conf,
                        region_name=REGION)


S3 = client()


def absent(key):
    """absent checks that key is neither readable nor listed."""
    got = error_of(S3.head_object, Bucket=BUCKET, Key=key)
    expect(got == ('404', 404), 'HEAD gave %s %s' % got)
    listed = S3.list_objects_v2(Bucket=BUCKET, Prefix=key).get('KeyCount')
    expect(listed == 0, 'listed %s times' % listed)


def body_of(key, **kw):
    return S3.get_object(Bucket=BUCKET, Key=key, **kw)['Body'].read()


# --- checksums ------------------------------------------------------------------

def crc64nvme(data):
    crc = 0xffffffffffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x9a6c9329ac4bc9b5 if crc & 1 else 0)
    return crc ^ 0xffffffffffffffff


def b64(raw):
    return base64.b64encode(raw).decode()


def checksum(alg, data):
    if alg == 'crc32':
        return b64(zlib.crc32(data).to_bytes(4, 'big'))
    if alg == 'crc64nvme':
        return b64(crc64nvme(data).to_bytes(8, 'big'))
    return b64(hashlib.new(alg, data).digest())


# --- SigV4 by hand --------------------------------------------------------------

def hm(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(date):
    k = hm(('AWS4' + SK).encode(), date)
    return hm(hm(hm(k, REGION), 's3'), 'aws4_request')


class Signed:
    """Signed builds a header-signed request and its chunk signatures."""

    def __init__(self, method, key, headers, payload):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.amz_date = now.strftime('%Y%m%dT%H%M%SZ')
        self.scope = '%s/%s/s3/aws4_request' % (now.strftime('%Y%m%d'),
                                                 REGION)
        self.key = signing_key(now.strftime('%Y%m%d'))
        self.path = '/%s/%s' % (BUCKET, urllib.parse.quote(key))
        self.method = method
        h = {k.lower(): v for k, v in headers.items()}
        h['host'] = HOSTPORT
        h['x-amz-date'] = self.amz_date
        h['x-amz-content-sha256'] = payload
        names = sorted(h)
        canon = '\n'.join([method, self.path, '',
                           ''.join('%s:%s\n' % (n, h[n]) for n in names),
                           ';'.join(names), payload])
        sts = '\n'.join(['AWS4-HMAC-SHA256', self.amz_date, self.scope,
                         hashlib.sha256(canon.encode()).hexdigest()])
        self.prev = hmac.new(self.key, sts.encode(),
                             hashlib.sha256).hexdigest()
        h['authorization'] = ('AWS4-HMAC-SHA256 Credential=%s/%s, '
                              'SignedHeaders=%s, Signature=%s' %
                              (AK, self.scope, ';'.join(names), self.prev))
        self.headers = h

    def chunk_sig(self, data):
        sts = '\n'.join(['AWS4-HMAC-SHA256-PAYLOAD', self.amz_date,
                         self.scope, self.prev, EMPTY,
                         hashlib.sha256(data).hexdigest()])
        self.prev = hmac.new(self.key, sts.encode(),
                             hashlib.sha256).hexdigest()
        return self.prev

    def trailer_sig(self, trailer):
        sts = '\n'.join(['AWS4-HMAC-SHA256-TRAILER', self.amz_date,
                         self.scope, self.prev,
                         hashlib.sha256(trailer).hexdigest()])
        self.prev = hmac.new(self.key, sts.encode(),
                             hashlib.sha256).hexdigest()
        return self.prev

    def send(self, body, http_chunked=False):
        conn = http.client.HTTPConnection(HOSTPORT, timeout=60)
        hdrs = dict(self.headers)
        if http_chunked:
            # As botocore sends a trailer: HTTP chunks around aws-chunked
            hdrs['transfer-encoding'] = 'chunked'
            body = iter([body[i:i + 5000]
                         for i in range(0, len(body), 5000)])
        else:
            hdrs['content-length'] = str(len(body))
        conn.request(self.method, self.path, body=body, headers=hdrs,
                     encode_chunked=http_chunked)
        r = conn.getresponse()
        out = (r.status, r.read().decode(errors='replace'), r.getheaders())
        conn.close()
        return out


def presign_by_hand(method, key, payload_hash):
    """presign_by_hand builds a presigned URL that names its payload's
    hash in X-Amz-Content-Sha256, which boto3 does not do."""
    now = datetime.datetime.now(datetime.timezone.utc)
    scope = '%s/%s/s3/aws4_request' % (now.strftime('%Y%m%d'), REGION)
    path = '/%s/%s' % (BUCKET, urllib.parse.quote(key))
    q = {'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
         'X-Amz-Credential': '%s/%s' % (AK, scope),
         'X-Amz-Date': now.strftime('%Y%m%dT%H%M%SZ'),
         'X-Amz-Expires': '300', 'X-Amz-SignedHeaders': 'host',
         'X-Amz-Content-Sha256': payload_hash}
    query = '&'.join('%s=%s' % (k, urllib.parse.quote(q[k], safe='-_.~'))
                     for k in sorted(q))
    canon = '\n'.join([method, path, query, 'host:%s\n' % HOSTPORT, 'host',
                       payload_hash])
    sts = '\n'.join(['AWS4-HMAC-SHA256', q['X-Amz-Date'], scope,
                     hashlib.sha256(canon.encode()).hexdigest()])
    sig = hmac.new(signing_key(now.strftime('%Y%m%d')), sts.encode(),
                   hashlib.sha256).hexdigest()
    return '%s%s?%s&X-Amz-Signature=%s' % (ENDPOINT, path, query, sig)


def presigned_put_sha256(key, right):
    data = DATA_SMALL
    want = hashlib.sha256(data + (b'' if right else b'x')).hexdigest()
    path = '/tmp/authcheck.%d' % os.getpid()
    with open(path, 'wb') as f:
        f.write(data)
    try:
        code, body = curl('-T', path, presign_by_hand('PUT', key, want))
    finally:
        os.unlink(path)
    if right:
        expect(code == 200 and body_of(key) == data, code, body)
    else:
        expect(code == 400 and b'XAmzContentSHA256Mismatch' in body,
               code, body)
        absent(key)


def chunked(key, data, form, chunk=64 * KiB, bad_chunk=None, alg=None,
            wrong=False, http_chunked=False):
    """chunked PUTs data as aws-chunked in form 'signed', 'trailer'
    (signed with a signed trailer) or 'unsigned' (unsigned trailer)."""
    payload = {'signed': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
               'trailer': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
               'unsigned': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'}[form]
    headers = {'content-encoding': 'aws-chunked',
               'x-amz-decoded-content-length': str(len(data))}
    if alg:
        headers['x-amz-trailer'] = 'x-amz-checksum-' + alg
    req = Signed('PUT', key, headers, payload)
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] + [b'']
    out = []
    for n, piece in enumerate(pieces):
        if form == 'unsigned':
            out.append(b'%x\r\n' % len(piece))
        else:
            sig = req.chunk_sig(piece)
            if n == bad_chunk:
                sig = ('0' if sig[0] != '0' else '1') + sig[1:]
            out.append(b'%x;chunk-signature=%s\r\n' % (len(piece),
                                                      sig.encode()))
        out.append(piece + b'\r\n' if piece else b'')
    if alg:
        value = checksum(alg, data + (b'x' if wrong else b''))
        line = ('x-amz-checksum-%s:%s' % (alg, value)).encode()
        out.append(line + b'\r\n')
        if form == 'trailer':
            out.append(b'x-amz-trailer-signature:%s\r\n' %
                       req.trailer_sig(line + b'\n').encode())
    out.append(b'\r\n')
    return req.send(b''.join(out), http_chunked)


# --- the checks -------------------------------------------------------------------

DATA_SMALL = os.urandom(10 * KiB + 7)       # inline
DATA_BIG = os.urandom(2 * 1024 * KiB + 123)  # erasure coded, 3 stripes


def curl(*args):
    r = subprocess.run(['curl', '-s', '-S', '-o', '/dev/stdout', '-w',
                        '\n%{http_code}'] + list(args),
                       capture_output=True, timeout=60)
    body, _, code = r.stdout.rpartition(b'\n')
    return int(code or 0), body


def presigned_get():
    S3.put_object(Bucket=BUCKET, Key='pre/get', Body=DATA_BIG)
    url = S3.generate_presigned_url('get_object', Params={
        'Bucket': BUCKET, 'Key': 'pre/get'}, ExpiresIn=300)
    expect('X-Amz-Signature=' in url, url)
    code, body = curl(url)
    expect(code == 200 and body == DATA_BIG, 'HTTP %d, %d bytes' %
           (code, len(body)))


def presigned_head_bad_signature():
    url = S3.generate_presigned_url('get_object', Params={
        'Bucket': BUCKET, 'Key': 'pre/get'}, ExpiresIn=300)
    i = url.index('X-Amz-Signature=') + len('X-Amz-Signature=')
    bad = url[:i] + ('0' if url[i] != '0' else '1') + url[i + 1:]
    code, body = curl(bad)
    expect(code == 403 and b'SignatureDoesNotMatch' in body, code, body)


def presigned_put(data, key):
    url = S3.generate_presigned_url('put_object', Params={
        'Bucket': BUCKET, 'Key': key}, ExpiresIn=300)
    path = '/tmp/authcheck.%d' % os.getpid()
    with open(path, 'wb') as f:
        f.write(data)
    try:
        code, body = curl('-T', path, url)
    finally:
        os.unlink(path)
    expect(code == 200, code, body)
    expect(body_of(key) == data, 'content differs')


def presigned_expired():
    url = S3.generate_presigned_url('get_object', Params={
        'Bucket': BUCKET, 'Key': 'pre/get'}, ExpiresIn=1)
    time.sleep(2.5)
    code, body = curl(url)
    expect(code == 403 and b'<Code>AccessDenied</Code>' in body and
           b'Request has expired' in body, code, body)


def presigned_expires_too_long():
    url = S3.generate_presigned_url('get_object', Params={
        'Bucket': BUCKET, 'Key': 'pre/get'}, ExpiresIn=604801)
    code, body = curl(url)
    expect(code == 400 and b'AuthorizationQueryParametersError' in body,
           code, body)


def streaming_ok(form, data, key, alg=None):
    status, text, headers = chunked(key, data, form, alg=alg)
    expect(status == 200, status, text)
    expect(body_of(key) == data, 'content differs')
    head = S3.head_object(Bucket=BUCKET, Key=key)
    expect(head['ContentLength'] == len(data), head)
    expect('ContentEncoding' not in head, 'aws-chunked was stored', head)
    if alg:
        got = S3.head_object(Bucket=BUCKET, Key=key, ChecksumMode='ENABLED')
        hdr = got['ResponseMetadata']['HTTPHeaders']
        expect(hdr.get('x-amz-checksum-' + alg) == checksum(alg, data), hdr)


def streaming_http_chunked(key):
    status, text, _ = chunked(key, DATA_BIG, 'unsigned', alg='crc32',
                              http_chunked=True)
    expect(status == 200, status, text)
    expect(body_of(key) == DATA_BIG, 'content differs')


def sdk_algorithm_only(key):
    req = Signed('PUT', key, {'x-amz-sdk-checksum-algorithm': 'CRC32'},
                 'UNSIGNED-PAYLOAD')
    status, text, headers = req.send(DATA_SMALL)
    expect(status == 200, status, text)
    sent = dict((k.lower(), v) for k, v in headers)
    want = checksum('crc32', DATA_SMALL)
    expect(sent.get('x-amz-checksum-crc32') == want, headers)
    got = S3.head_object(Bucket=BUCKET, Key=key, ChecksumMode='ENABLED')
    expect(got.get('ChecksumCRC32') == want, got)


def streaming_bad_signature(data, key):
    status, text, _ = chunked(key, data, 'signed', bad_chunk=1)
    expect(status == 403 and 'SignatureDoesNotMatch' in text, status, text)
    absent(key)


def streaming_bad_trailer(form, key):
    status, text, _ = chunked(key, DATA_SMALL, form, alg='crc32', wrong=True)
    expect(status == 400 and 'BadDigest' in text, status, text)
    absent(key)


def streaming_small_chunks(key):
    status, text, _ = chunked(key, DATA_SMALL, 'signed', chunk=1000)
    expect(status == 403 and 'InvalidChunkSizeError' in text, status, text)
    absent(key)


def boto_checksum(alg, data, key):
    S3.put_object(Bucket=BUCKET, Key=key, Body=data,
                  ChecksumAlgorithm=alg.upper())
    plain = S3.get_object(Bucket=BUCKET, Key=key)
    hdr = plain['ResponseMetadata']['HTTPHeaders']
    expect(not any(h.startswith('x-amz-checksum') for h in hdr),
           'checksum shown without checksum mode', hdr)
    plain['Body'].read()
    got = S3.get_object(Bucket=BUCKET, Key=key, ChecksumMode='ENABLED')
    field = 'Checksum' + alg.upper()
    expect(got.get(field) == checksum(alg, data), got.get(field))
    expect(got['ResponseMetadata']['HTTPHeaders'].get(
        'x-amz-checksum-type') == 'FULL_OBJECT', got['ResponseMetadata'])
    # botocore checks the body against the checksum as it reads it
    expect(got['Body'].read() == data, 'content differs')


def boto_range_no_checksum():
    got = S3.get_object(Bucket=BUCKET, Key='ck/crc32-big', Range='bytes=0-9',
                        ChecksumMode='ENABLED')
    expect(got['Body'].read() == DATA_BIG[:10], 'range content')
    expect('ChecksumCRC32' not in got, 'a range got the whole checksum')


def wrong_header_checksum(key, data):
    got = error_of(S3.put_object, Bucket=BUCKET, Key=key, Body=data,
                   ChecksumCRC32=checksum('crc32', data + b'x'))
    expect(got == ('BadDigest', 400), 'got %s %s' % got)
    absent(key)


def bad_base64_checksum():
    got = error_of(S3.put_object, Bucket=BUCKET, Key='ck/b64', Body=b'x',
                   ChecksumCRC32='not*base64')
    expect(got == ('InvalidRequest', 400), 'got %s %s' % got)


def two_checksums():
    got = error_of(S3.put_object, Bucket=BUCKET, Key='ck/two', Body=b'x',
                   ChecksumCRC32=checksum('crc32', b'x'),
                   ChecksumSHA256=checksum('sha256', b'x'))
    expect(got == ('InvalidRequest', 400), 'got %s %s' % got)


CHECKS = [
    ('presigned GET with curl', presigned_get),
    ('presigned GET with a bad signature: 403', presigned_head_bad_signature),
    ('presigned PUT with curl (inline)',
     lambda: presigned_put(DATA_SMALL, 'pre/put-small')),
    ('presigned PUT with curl (erasure coded)',
     lambda: presigned_put(DATA_BIG, 'pre/put-big')),
    ('presigned PUT naming its X-Amz-Content-Sha256',
     lambda: presigned_put_sha256('pre/sha-right', True)),
    ('presigned PUT with a wrong X-Amz-Content-Sha256: nothing stored',
     lambda: presigned_put_sha256('pre/sha-wrong', False)),
    ('expired presigned URL: 403 Request has expired', presigned_expired),
    ('X-Amz-Expires above 7 days: AuthorizationQueryParametersError',
     presigned_expires_too_long),
    ('signed aws-chunked upload (inline)',
     lambda: streaming_ok('signed', DATA_SMALL, 'st/signed-small')),
    ('signed aws-chunked upload (erasure coded)',
     lambda: streaming_ok('signed', DATA_BIG, 'st/signed-big')),
    ('one chunk signature wrong: 403, nothing stored (inline)',
     lambda: streaming_bad_signature(DATA_SMALL, 'st/badsig-small')),
    ('one chunk signature wrong: 403, nothing stored (coded)',
     lambda: streaming_bad_signature(DATA_BIG, 'st/badsig-big')),
    ('signed chunks below 8 KiB: InvalidChunkSizeError',
     lambda: streaming_small_chunks('st/small-chunks')),
    ('signed chunks with a signed crc32 trailer',
     lambda: streaming_ok('trailer', DATA_BIG, 'st/trailer', alg='crc32')),
    ('signed chunks with a signed crc64nvme trailer',
     lambda: streaming_ok('trailer', DATA_SMALL, 'st/trailer64',
                          alg='crc64nvme')),
    ('unsigned chunks with a sha256 trailer',
     lambda: streaming_ok('unsigned', DATA_BIG, 'st/unsigned',
                          alg='sha256')),
    ('aws-chunked inside HTTP chunked transfer encoding',
     lambda: streaming_http_chunked('st/http-chunked')),
    ('x-amz-sdk-checksum-algorithm alone: the gateway computes it',
     lambda: sdk_algorithm_only('ck/sdk-only')),
    ('signed trailer checksum wrong: BadDigest, nothing stored',
     lambda: streaming_bad_trailer('trailer', 'st/badtrailer')),
    ('unsigned trailer checksum wrong: BadDigest, nothing stored',
     lambda: streaming_bad_trailer('unsigned', 'st/badtrailer-u')),
    ('boto3 ChecksumAlgorithm=CRC32 (inline), checksum mode',
     lambda: boto_checksum('crc32', DATA_SMALL, 'ck/crc32-small')),
    ('boto3 ChecksumAlgorithm=CRC32 (coded), checksum mode',
     lambda: boto_checksum('crc32', DATA_BIG, 'ck/crc32-big')),
    ('boto3 ChecksumAlgorithm=SHA1, checksum mode',
     lambda: boto_checksum('sha1', DATA_BIG, 'ck/sha1')),
    ('boto3 ChecksumAlgorithm=SHA256, checksum mode',
     lambda: boto_checksum('sha256', DATA_SMALL, 'ck/sha256')),
    ('a range GET shows no whole-object checksum', boto_range_no_checksum),
    ('wrong x-amz-checksum-crc32: BadDigest, nothing stored (inline)',
     lambda: wrong_header_checksum('ck/wrong-small', DATA_SMALL)),
    ('wrong x-amz-checksum-crc32: BadDigest, nothing stored (coded)',
     lambda: wrong_header_checksum('ck/wrong-big', DATA_BIG)),
    ('x-amz-checksum-crc32 not base64: InvalidRequest', bad_base64_checksum),
    ('two checksum algorithms: InvalidRequest', two_checksums),
]


if __name__ == '__main__':
    sys.exit(s3tap.run_expect(CHECKS))
