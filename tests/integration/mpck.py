#!/usr/bin/python3
"""mpck.py - the checksums of multipart uploads through boto3, as TAP.

Usage: mpck.py ENDPOINT_URL

COMPOSITE and FULL_OBJECT uploads with each algorithm S3 knows, the part
checksums in UploadPart, ListParts, CompleteMultipartUpload and GET
?partNumber, the object's in HEAD and GET with checksum mode, and every
refusal.  This boto3 (Debian's 1.26) computes CRC32, SHA1 and SHA256
itself; CRC32C and CRC64NVME, and x-amz-checksum-type, which it does not
know, are added to its requests by an event handler, with the values
computed here.
"""

import base64
import hashlib
import os
import random
import sys
import urllib.error
import urllib.request
import uuid
import zlib

from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest

import s3tap
from s3tap import expect, expect_error

MiB = 1024 * 1024
ENDPOINT = sys.argv[1] if sys.argv[1:2] != ['--count'] else ''
S3 = s3tap.client(ENDPOINT) if ENDPOINT else None
BUCKET = 'mpck-' + uuid.uuid4().hex[:12]

# Two parts: the first of the smallest size a part but the last may have.
_rnd = random.Random(20261122)
P1 = _rnd.randbytes(5 * MiB)
P2 = _rnd.randbytes(1000)


# --- checksums, computed here ------------------------------------------

def _table(poly):
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t.append(c)
    return t


_CRC = {'crc32c': (_table(0x82f63b78), 0xffffffff, 4),
        'crc64nvme': (_table(0x9a6c9329ac4bc9b5), 0xffffffffffffffff, 8)}


def crc_raw(alg, data):
    if alg == 'crc32':
        return zlib.crc32(data).to_bytes(4, 'big')
    table, mask, n = _CRC[alg]
    c = mask
    for b in data:
        c = table[(c ^ b) & 0xff] ^ (c >> 8)
    return (c ^ mask).to_bytes(n, 'big')


def digest(alg, data):
    """digest is the raw checksum of data with alg (crc32, ..., sha256)."""
    if alg.startswith('sha'):
        return hashlib.new(alg, data).digest()
    return crc_raw(alg, data)


_MEMO = {}


def value(alg, data):
    """value is the base64 checksum as S3 shows it (memoized: slow CRCs)."""
    k = (alg, hashlib.sha256(data).digest())
    if k not in _MEMO:
        _MEMO[k] = base64.b64encode(digest(alg, data)).decode()
    return _MEMO[k]


def composite(alg, parts):
    raw = b''.join(base64.b64decode(value(alg, p)) for p in parts)
    return '%s-%d' % (base64.b64encode(digest(alg, raw)).decode(),
                      len(parts))


def member(alg):
    """member is the name of boto3's field: ChecksumCRC32, ..."""
    return 'Checksum' + alg.upper()


# --- requests with headers boto3 does not send -------------------------

class Headers:
    """Headers adds headers to every request of one operation while it is
    in a with block."""

    def __init__(self, op, headers):
        self.event = 'before-sign.s3.' + op
        self.headers = headers
        self.uid = 'mpck-' + uuid.uuid4().hex

    def add(self, request, **kw):
        for k, v in self.headers.items():
            request.headers[k] = v

    def __enter__(self):
        S3.meta.events.register(self.event, self.add, unique_id=self.uid)
        return self

    def __exit__(self, *exc):
        S3.meta.events.unregister(self.event, unique_id=self.uid)


def create(key, alg=None, ctype=None, native=True):
    """create starts an upload; alg and ctype as headers if not native."""
    kw = {}
    hdrs = {}
    if alg and native:
        kw['ChecksumAlgorithm'] = alg.upper()
    elif alg:
        hdrs['x-amz-checksum-algorithm'] = alg.upper()
    if ctype:
        hdrs['x-amz-checksum-type'] = ctype
    with Headers('CreateMultipartUpload', hdrs):
        r = S3.create_multipart_upload(Bucket=BUCKET, Key=key, **kw)
    return r


def part(key, uid, n, data, alg=None, native=True, val=None):
    """part uploads part n; its checksum by boto3 (native) or by hand."""
    kw = {}
    hdrs = {}
    if alg and native and val is None:
        kw['ChecksumAlgorithm'] = alg.upper()
    elif alg:
        hdrs['x-amz-checksum-' + alg] = val or value(alg, data)
    with Headers('UploadPart', hdrs):
        r = S3.upload_part(Bucket=BUCKET, Key=key, UploadId=uid,
                           PartNumber=n, Body=data, **kw)
    return r


def complete(key, uid, done, hdrs=None):
    with Headers('CompleteMultipartUpload', hdrs or {}):
        return S3.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=uid,
            MultipartUpload={'Parts': done})


def headers_of(r):
    return r['ResponseMetadata']['HTTPHeaders']


def upload(key, alg, parts=(P1, P2), ctype=None, native=True,
           listed=True):
    """upload makes an object of parts; returns the complete's answer."""
    uid = create(key, alg, ctype, native)['UploadId']
    done = []
    for n, data in enumerate(parts, 1):
        r = part(key, uid, n, data, alg, native)
        got = headers_of(r).get('x-amz-checksum-' + alg)
        expect(got == value(alg, data), 'part %d: %s' % (n, got))
        d = {'PartNumber': n, 'ETag': r['ETag']}
        if listed:
            d[member(alg)] = got
        done.append(d)
    return uid, complete(key, uid, done)


def head_checksum(key, alg, **kw):
    r = S3.head_object(Bucket=BUCKET, Key=key, ChecksumMode='ENABLED', **kw)
    h = headers_of(r)
    return h.get('x-amz-checksum-' + alg), h.get('x-amz-checksum-type')


# --- the checks --------------------------------------------------------

def setup():
    S3.create_bucket(Bucket=BUCKET)
    return True


def composite_check(alg, native):
    """composite_check: one COMPOSITE upload, seen every way S3 shows it."""
    key = 'comp-%s-%s' % (alg, native)
    uid = create(key, alg, None, native)
    expect(headers_of(uid).get('x-amz-checksum-algorithm') == alg.upper(),
           headers_of(uid))
    expect(headers_of(uid).get('x-amz-checksum-type') == 'COMPOSITE',
           headers_of(uid))
    uid = uid['UploadId']
    done = []
    for n, data in enumerate((P1, P2), 1):
        r = part(key, uid, n, data, alg, native)
        got = headers_of(r).get('x-amz-checksum-' + alg)
        expect(got == value(alg, data), 'UploadPart %d: %s' % (n, got))
        done.append({'PartNumber': n, 'ETag': r['ETag'], member(alg): got})
    lp = S3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid)
    expect(lp.get('ChecksumAlgorithm') == alg.upper(), lp)
    expect([p.get(member(alg)) for p in lp['Parts']] ==
           [value(alg, P1), value(alg, P2)], lp['Parts'])
    want = composite(alg, [P1, P2])
    c = complete(key, uid, done)
    expect(c.get(member(alg)) == want, 'complete: %s, want %s' %
           (c.get(member(alg)), want))
    expect(head_checksum(key, alg) == (want, 'COMPOSITE'),
           head_checksum(key, alg), want)
    g = S3.get_object(Bucket=BUCKET, Key=key, ChecksumMode='ENABLED')
    expect(g['Body'].read() == P1 + P2, 'GET: other bytes')
    expect(headers_of(g).get('x-amz-checksum-' + alg) == want, headers_of(g))
    g = S3.get_object(Bucket=BUCKET, Key=key, PartNumber=2,
                      ChecksumMode='ENABLED')
    expect(g['Body'].read() == P2, 'GET part 2: other bytes')
    expect(headers_of(g).get('x-amz-checksum-' + alg) == value(alg, P2),
           'GET ?partNumber=2', headers_of(g))
    h = headers_of(S3.head_object(Bucket=BUCKET, Key=key))
    expect('x-amz-checksum-' + alg not in h, 'shown without checksum mode')
    return True


def full_check(alg, ctype, listed):
    """full_check: a FULL_OBJECT upload has the CRC of the whole object."""
    key = 'full-%s' % alg
    _, c = upload(key, alg, ctype=ctype, native=False, listed=listed)
    want = value(alg, P1 + P2)
    got = head_checksum(key, alg)
    expect(got == (want, 'FULL_OBJECT'), got, want)
    if alg != 'crc64nvme':	# not a member this boto3 knows
        expect(c.get(member(alg)) == want, c)
    g = S3.get_object(Bucket=BUCKET, Key=key)
    expect(g['Body'].read() == P1 + P2, 'GET: other bytes')
    return True


def full_three_parts():
    """A FULL_OBJECT CRC32 of three parts and the object's value sent with
    the complete, as x-amz-checksum-crc32: accepted."""
    key = 'full3'
    parts = [P1, P1[::-1], P2]
    uid = create(key, 'crc32', 'FULL_OBJECT', False)['UploadId']
    done = [{'PartNumber': n, 'ETag': part(key, uid, n, d, 'crc32')['ETag']}
            for n, d in enumerate(parts, 1)]
    want = value('crc32', b''.join(parts))
    complete(key, uid, done, {'x-amz-checksum-crc32': want})
    return head_checksum(key, 'crc32') == (want, 'FULL_OBJECT')


def full_wrong_whole():
    key = 'full-wrong'
    uid = create(key, 'crc32', 'FULL_OBJECT', False)['UploadId']
    done = [{'PartNumber': 1, 'ETag': part(key, uid, 1, P2, 'crc32')['ETag']}]
    expect_error('BadDigest', 400, complete, key, uid, done,
                 {'x-amz-checksum-crc32': value('crc32', P1)})
    S3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid)
    return True


def upload_file_sha256():
    """boto3's own upload_file, three parts of 5 MiB, with SHA256."""
    path = '/tmp/mpck.%d' % os.getpid()
    data = P1 + P1[::-1] + P2
    with open(path, 'wb') as f:
        f.write(data)
    try:
        conf = TransferConfig(multipart_threshold=5 * MiB,
                              multipart_chunksize=5 * MiB, max_concurrency=2)
        S3.upload_file(path, BUCKET, 'uf', Config=conf,
                       ExtraArgs={'ChecksumAlgorithm': 'SHA256'})
    finally:
        os.unlink(path)
    want = composite('sha256', [P1, P1[::-1], P2])
    got = head_checksum('uf', 'sha256')
    expect(got == (want, 'COMPOSITE'), got, want)
    return S3.get_object(Bucket=BUCKET, Key='uf')['Body'].read() == data


def plain_upload_has_none():
    """An upload without an algorithm keeps no checksum."""
    key = 'plain'
    uid = create(key)['UploadId']
    r = part(key, uid, 1, P2)
    complete(key, uid, [{'PartNumber': 1, 'ETag': r['ETag']}])
    h = headers_of(S3.head_object(Bucket=BUCKET, Key=key,
                                  ChecksumMode='ENABLED'))
    return not [k for k in h if k.startswith('x-amz-checksum')]


def create_refused(alg, ctype, why):
    hdrs = {}
    if alg:
        hdrs['x-amz-checksum-algorithm'] = alg
    if ctype:
        hdrs['x-amz-checksum-type'] = ctype
    with Headers('CreateMultipartUpload', hdrs):
        msg = expect_error('InvalidRequest', 400, S3.create_multipart_upload,
                           Bucket=BUCKET, Key='refused')
    expect(why in (msg or ''), msg)
    return True


def new_upload(alg=None):
    key = 'err-%s' % uuid.uuid4().hex[:8]
    return key, create(key, alg)['UploadId']


def part_bad_value():
    key, uid = new_upload('crc32')
    msg = expect_error('BadDigest', 400, part, key, uid, 1, P2, 'crc32',
                       val=value('crc32', P1))
    expect('CRC32' in (msg or ''), msg)
    lp = S3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid)
    return not lp.get('Parts')


def part_bad_base64():
    key, uid = new_upload('sha256')
    expect_error('InvalidRequest', 400, part, key, uid, 1, P2, 'sha256',
                 val='not base64')
    return True


def part_without(alg, sent):
    key, uid = new_upload(alg)
    msg = expect_error('InvalidRequest', 400, part, key, uid, 1, P2, sent)
    expect('Checksum Type mismatch' in (msg or ''), msg)
    return True


def part_in_plain_upload():
    """As newer SDKs send CRC32 with every part, whatever the upload."""
    key, uid = new_upload()
    expect_error('BadDigest', 400, part, key, uid, 1, P2, 'crc32',
                 val=value('crc32', P1))
    r = part(key, uid, 1, P2, 'crc32')
    expect(headers_of(r).get('x-amz-checksum-crc32') == value('crc32', P2),
           headers_of(r))
    lp = S3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid)
    expect(lp['Parts'][0].get('ChecksumCRC32') == value('crc32', P2), lp)
    expect('ChecksumAlgorithm' not in lp, lp)
    c = complete(key, uid, [{'PartNumber': 1, 'ETag': r['ETag']}])
    expect('ChecksumCRC32' not in c, c)
    h = headers_of(S3.head_object(Bucket=BUCKET, Key=key,
                                  ChecksumMode='ENABLED'))
    return not [k for k in h if k.startswith('x-amz-checksum')]


def complete_wrong_part_value():
    key, uid = new_upload('crc32')
    r = part(key, uid, 1, P2, 'crc32')
    done = [{'PartNumber': 1, 'ETag': r['ETag'],
             'ChecksumCRC32': value('crc32', P1)}]
    expect_error('InvalidPart', 400, complete, key, uid, done)
    done[0]['ChecksumCRC32'] = value('crc32', P2)
    return complete(key, uid, done).get('ChecksumCRC32') == \
        composite('crc32', [P2])


def complete_missing_part_value():
    key, uid = new_upload('sha1')
    r = part(key, uid, 1, P2, 'sha1')
    msg = expect_error('InvalidRequest', 400, complete, key, uid,
                       [{'PartNumber': 1, 'ETag': r['ETag']}])
    expect('missing for part 1' in (msg or ''), msg)
    return True


def copy_part_refused():
    S3.put_object(Bucket=BUCKET, Key='src', Body=P2)
    key, uid = new_upload('crc32')
    expect_error('NotImplemented', 501, S3.upload_part_copy, Bucket=BUCKET,
                 Key=key, UploadId=uid, PartNumber=1,
                 CopySource={'Bucket': BUCKET, 'Key': 'src'})
    return True


def trailer_part(wrong):
    """An UploadPart as aws-chunked with the checksum in an unsigned
    trailer, as botocore sends over TLS."""
    key, uid = new_upload('crc32')
    data = P2
    val = value('crc32', data + (b'x' if wrong else b''))
    body = (b'%x\r\n' % len(data) + data + b'\r\n0\r\n' +
            b'x-amz-checksum-crc32:' + val.encode() + b'\r\n\r\n')
    url = '%s/%s/%s?partNumber=1&uploadId=%s' % (ENDPOINT, BUCKET, key, uid)
    req = AWSRequest(method='PUT', url=url, data=body)
    req.headers['content-encoding'] = 'aws-chunked'
    req.headers['x-amz-decoded-content-length'] = str(len(data))
    req.headers['x-amz-trailer'] = 'x-amz-checksum-crc32'
    req.context['checksum'] = {'request_algorithm': {'in': 'trailer'}}
    creds = S3._request_signer._credentials.get_frozen_credentials()
    S3SigV4Auth(creds, 's3', 'us-east-1').add_auth(req)
    p = req.prepare()
    r = urllib.request.Request(p.url, data=body, method='PUT',
                               headers=dict(p.headers.items()))
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            status, got = resp.status, resp.headers.get('x-amz-checksum-crc32')
    except urllib.error.HTTPError as e:
        status, got = e.code, e.read()
    if wrong:
        expect(status == 400 and b'BadDigest' in got, status, got)
        return True
    expect(status == 200 and got == val, status, got)
    lp = S3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid)
    return lp['Parts'][0].get('ChecksumCRC32') == val


def copy_checksums():
    """CopyObject keeps a FULL_OBJECT checksum, of the same bytes, and
    drops a COMPOSITE one, which describes parts the copy does not have."""
    S3.copy_object(Bucket=BUCKET, Key='copy-full',
                   CopySource={'Bucket': BUCKET, 'Key': 'full-crc32'})
    got = head_checksum('copy-full', 'crc32')
    expect(got == (value('crc32', P1 + P2), 'FULL_OBJECT'), got)
    S3.copy_object(Bucket=BUCKET, Key='copy-comp',
                   CopySource={'Bucket': BUCKET, 'Key': 'comp-crc32-True'})
    got = head_checksum('copy-comp', 'crc32')
    expect(got == (None, None), got)
    return S3.get_object(Bucket=BUCKET, Key='copy-comp')['Body'].read() == \
        P1 + P2


def attributes_multipart():
    """GetObjectAttributes of the COMPOSITE CRC32 object, and its parts
    a page at a time."""
    key = 'comp-crc32-True'
    every = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']
    r = S3.get_object_attributes(Bucket=BUCKET, Key=key,
                                 ObjectAttributes=every)
    md5s = b''.join(hashlib.md5(p).digest() for p in (P1, P2))
    expect(r.get('ETag') == hashlib.md5(md5s).hexdigest() + '-2', r)
    expect(r['Checksum'].get('ChecksumCRC32') ==
           composite('crc32', [P1, P2]), r)
    expect(r.get('StorageClass') == 'STANDARD', r)
    expect(r.get('ObjectSize') == len(P1) + len(P2), r)
    op = r['ObjectParts']
    expect(op.get('TotalPartsCount') == 2 and not op.get('IsTruncated'), op)
    expect([(p['PartNumber'], p['Size'], p.get('ChecksumCRC32'))
            for p in op['Parts']] ==
           [(1, len(P1), value('crc32', P1)),
            (2, len(P2), value('crc32', P2))],
           op)
    op = S3.get_object_attributes(Bucket=BUCKET, Key=key, MaxParts=1,
                                  ObjectAttributes=['ObjectParts'])
    op = op['ObjectParts']
    expect(op.get('IsTruncated') and op.get('NextPartNumberMarker') == 1 and
           len(op['Parts']) == 1, op)
    op = S3.get_object_attributes(Bucket=BUCKET, Key=key, MaxParts=1,
                                  PartNumberMarker=1,
                                  ObjectAttributes=['ObjectParts'])
    op = op['ObjectParts']
    expect(not op.get('IsTruncated') and
           [p['PartNumber'] for p in op['Parts']] == [2], op)
    return True


def attributes_single():
    """GetObjectAttributes of a single PUT: its checksum, no parts."""
    S3.put_object(Bucket=BUCKET, Key='single', Body=P2,
                  ChecksumAlgorithm='SHA256')
    r = S3.get_object_attributes(Bucket=BUCKET, Key='single',
                                 ObjectAttributes=['ETag', 'Checksum',
                                                   'ObjectParts'])
    expect(r.get('ETag') == hashlib.md5(P2).hexdigest(), r)
    expect(r['Checksum'].get('ChecksumSHA256') == value('sha256', P2), r)
    expect('ObjectParts' not in r, r)
    return 'LastModified' in r


def attributes_refused():
    expect_error('InvalidArgument', 400, S3.get_object_attributes,
                 Bucket=BUCKET, Key='single', ObjectAttributes=['Owner'])
    expect_error('NoSuchKey', 404, S3.get_object_attributes,
                 Bucket=BUCKET, Key='no-such-key', ObjectAttributes=['ETag'])
    return True


def cleanup():
    for o in S3.list_objects_v2(Bucket=BUCKET).get('Contents') or []:
        S3.delete_object(Bucket=BUCKET, Key=o['Key'])
    for u in S3.list_multipart_uploads(Bucket=BUCKET).get('Uploads') or []:
        S3.abort_multipart_upload(Bucket=BUCKET, Key=u['Key'],
                                  UploadId=u['UploadId'])
    S3.delete_bucket(Bucket=BUCKET)
    return True


CHECKS = [
    ('make the bucket', setup),
] + [
    ('COMPOSITE %s (%s): UploadPart, ListParts, complete, HEAD, GET, '
     'GET ?partNumber' % (a, 'boto3' if nat else 'by hand'),
     lambda a=a, nat=nat: composite_check(a, nat))
    for a, nat in [('crc32', True), ('sha1', True), ('sha256', True),
                   ('crc32c', False), ('sha256', False)]
] + [
    ('FULL_OBJECT crc32: the CRC of the whole object',
     lambda: full_check('crc32', 'FULL_OBJECT', True)),
    ('FULL_OBJECT crc32c, parts not listed in the complete',
     lambda: full_check('crc32c', 'FULL_OBJECT', False)),
    ('crc64nvme is FULL_OBJECT by default',
     lambda: full_check('crc64nvme', None, False)),
    ('FULL_OBJECT of three parts, the whole value sent with the complete',
     full_three_parts),
    ('FULL_OBJECT: a wrong whole value with the complete is BadDigest',
     full_wrong_whole),
    ('boto3 upload_file with ChecksumAlgorithm SHA256, three parts',
     upload_file_sha256),
    ('an upload without an algorithm keeps no checksum',
     plain_upload_has_none),
    ('CreateMultipartUpload: an unknown algorithm is InvalidRequest',
     lambda: create_refused('MD5', None, 'unsupported')),
    ('CreateMultipartUpload: FULL_OBJECT with SHA256 is InvalidRequest',
     lambda: create_refused('SHA256', 'FULL_OBJECT', 'FULL_OBJECT')),
    ('CreateMultipartUpload: COMPOSITE with CRC64NVME is InvalidRequest',
     lambda: create_refused('CRC64NVME', 'COMPOSITE', 'COMPOSITE')),
    ('CreateMultipartUpload: a type without an algorithm is InvalidRequest',
     lambda: create_refused(None, 'COMPOSITE', 'can only be used')),
    ('CreateMultipartUpload: an unknown type is InvalidRequest',
     lambda: create_refused('CRC32', 'PARTIAL', 'x-amz-checksum-type')),
    ('UploadPart: a wrong value is BadDigest, the part is not kept',
     part_bad_value),
    ('UploadPart: a value that is no base64 digest is InvalidRequest',
     part_bad_base64),
    ('UploadPart: no checksum in a CRC32 upload is InvalidRequest',
     lambda: part_without('crc32', None)),
    ('UploadPart: SHA256 in a CRC32 upload is InvalidRequest',
     lambda: part_without('crc32', 'sha256')),
    ('UploadPart: a checksum in an upload without one is checked, kept '
     'with the part, and the object has none', part_in_plain_upload),
    ('UploadPart with the checksum in an aws-chunked trailer',
     lambda: trailer_part(False)),
    ('UploadPart with a wrong checksum in the trailer is BadDigest',
     lambda: trailer_part(True)),
    ('complete: a wrong part checksum is InvalidPart, the right one works',
     complete_wrong_part_value),
    ('complete: COMPOSITE without a part checksum is InvalidRequest',
     complete_missing_part_value),
    ('UploadPartCopy into an upload with a checksum is NotImplemented',
     copy_part_refused),
    ('CopyObject keeps a FULL_OBJECT checksum, drops a COMPOSITE one',
     copy_checksums),
    ('GetObjectAttributes of a multipart object, its parts paged',
     attributes_multipart),
    ('GetObjectAttributes of a single PUT with a checksum',
     attributes_single),
    ('GetObjectAttributes: an unknown attribute is InvalidArgument, a '
     'missing key NoSuchKey', attributes_refused),
    ('remove everything', cleanup),
]

if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--count':
        print(len(CHECKS))
        sys.exit(0)
    sys.exit(s3tap.run(CHECKS))
