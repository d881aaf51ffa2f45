"""fastpath.py - GET, HEAD, small PUTs and DELETEs answered by the event
loop, and what it leaves to workers, checked through gatewayd's
loop_answered and loop_resumed counters.

usage: fastpath.py ENDPOINT CAIRN CONF on|off
"""

import base64
import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.parse

import boto3
import botocore.handlers
from botocore.config import Config

from s3cond import put_with
from s3tap import (client, expect, expect_error, gateway_stats, run_expect,
                   status_of)

ENDPOINT, CAIRN, CONF, MODE = sys.argv[1:5]
ON = MODE == 'on'
S3 = client(ENDPOINT)
# boto3 asks for 100 Continue before every PUT body (put_expect); most
# other clients send a small body at once, as this client then does.
PUT = client(ENDPOINT)
PUT.meta.events.unregister('before-call.s3',
                           botocore.handlers.add_expect_header)
BUCKET = 'fast-' + MODE
SMALL = bytes(range(256)) * 16          # 4 KiB: inline in metad
BIG = bytes(range(251)) * 4200          # about 1 MiB: erasure coded
MID = bytes(range(241)) * 272           # 64 KiB or so: coded, one stripe
CODED_MAX = 256 * 1024                  # the loop reads up to this
DATA = os.path.dirname(CONF)


def wrong_secret():
    """wrong_secret returns a client whose requests fail authentication."""
    return boto3.client('s3', endpoint_url=ENDPOINT, region_name='us-east-1',
                        aws_access_key_id=os.environ['AWS_ACCESS_KEY_ID'],
                        aws_secret_access_key='not-the-secret',
                        config=Config(s3={'addressing_style': 'path'},
                                      retries={'total_max_attempts': 1}))


def reads_back(bucket, key, want):
    """reads_back checks that bucket/key holds want."""
    body = S3.get_object(Bucket=bucket, Key=key)['Body'].read()
    expect(body == want, '%s/%s: body read back differs' % (bucket, key))


def counters():
    """counters returns gatewayd's (loop_answered, loop_resumed)."""
    return gateway_stats(CAIRN, CONF, 'loop_answered', 'loop_resumed')


# What the gateway keeps, in seconds: a bucket and its policy 1 s, a
# user 2 s.  The loop leaves a request that misses them to a worker.
KEPT = 1.0
ATTEMPTS = 3


def counted(fn, answered, resumed, bucket=BUCKET, prep=None):
    """counted runs fn and checks how the counters moved: by answered and
    resumed with the loop's path on, not at all with it off.  A HEAD of
    the bucket (a worker's, not counted) first puts it in the gateway's
    cache; bucket None: no HEAD.  prep, when given, runs first and makes
    what fn needs (fn may not be repeatable without it).

    A slow moment of the machine can outlast what the gateway keeps, and
    the loop then rightly leaves a request to a worker; so can a user
    kept since an earlier test, whose 2 s run out during this one.  Such
    a request is counted by neither counter.  So a wrong count is taken
    as the answer only when the attempt took less than KEPT and counted
    as many requests as wanted, or more; otherwise the attempt is made
    again, ATTEMPTS times at most."""
    want = (answered, resumed) if ON else (0, 0)
    for _ in range(ATTEMPTS):
        t0 = time.monotonic()
        if prep is not None:
            prep()
        a0, r0 = counters()
        if bucket is not None:
            S3.head_bucket(Bucket=bucket)
        fn()
        took = time.monotonic() - t0
        a1, r1 = counters()
        got = (a1 - a0, r1 - r0)
        if got == want or (took < KEPT and sum(got) >= sum(want)):
            break
    expect(got == want, 'loop_answered +%d, loop_resumed +%d; want +%d, '
           '+%d (the attempt took %.2f s)' % (got + want + (took,)))


def shard_files():
    """shard_files lists the shard files of every drive."""
    return {os.path.join(d, f)
            for d, _, fs in os.walk(os.path.join(DATA, 'drives'))
            if os.sep + 'shards' + os.sep in d + os.sep for f in fs}


def setup():
    S3.create_bucket(Bucket=BUCKET)
    S3.put_object(Bucket=BUCKET, Key='small', Body=SMALL)
    S3.put_object(Bucket=BUCKET, Key='big', Body=BIG)
    S3.put_object(Bucket=BUCKET, Key='mid', Body=MID)


def get_small():
    def fn():
        reads_back(BUCKET, 'small', SMALL)
    counted(fn, 1, 0)


def head_small():
    def fn():
        r = S3.head_object(Bucket=BUCKET, Key='small')
        expect(r['ContentLength'] == len(SMALL), r['ContentLength'])
    counted(fn, 1, 0)


def reads_range(key, body, first, last):
    """reads_range checks a GET of bytes first-last of key: 206 and them."""
    r = S3.get_object(Bucket=BUCKET, Key=key,
                      Range='bytes=%d-%d' % (first, last))
    expect(r['ResponseMetadata']['HTTPStatusCode'] == 206,
           r['ResponseMetadata']['HTTPStatusCode'])
    expect(r['Body'].read() == body[first:last + 1], 'range body differs')
    expect(r['ContentRange'] == 'bytes %d-%d/%d' % (first, last, len(body)),
           r['ContentRange'])


def range_small():
    counted(lambda: reads_range('small', SMALL, 10, 19), 1, 0)


def not_modified():
    etag = S3.head_object(Bucket=BUCKET, Key='small')['ETag']

    def fn():
        st = status_of(S3.get_object, Bucket=BUCKET, Key='small',
                       IfNoneMatch=etag)
        expect(st == 304, st)
    counted(fn, 1, 0)


def missing_key():
    def fn():
        expect_error('NoSuchKey', 404, S3.get_object, Bucket=BUCKET,
                     Key='nothing-here')
    counted(fn, 1, 0)


def get_big():
    def fn():
        reads_back(BUCKET, 'big', BIG)
    counted(fn, 0, 1)


def get_mid():
    """A coded object of one stripe: the loop reads its data shards."""
    def fn():
        reads_back(BUCKET, 'mid', MID)
    counted(fn, 1, 0)


def range_mid():
    counted(lambda: reads_range('mid', MID, 100, 40099), 1, 0)


def coded_max():
    """Up to CODED_MAX the loop reads; one byte more, a worker."""
    at = bytes(range(199)) * (CODED_MAX // 199) + b'x' * (CODED_MAX % 199)
    S3.put_object(Bucket=BUCKET, Key='at-max', Body=at)
    S3.put_object(Bucket=BUCKET, Key='over-max', Body=at + b'y')

    def fn():
        reads_back(BUCKET, 'at-max', at)
    counted(fn, 1, 0)

    def over():
        reads_back(BUCKET, 'over-max', at + b'y')
    counted(over, 0, 1)


def uncached_mid():
    """A coded object whose shards are out of the page cache: chunkd reads
    them from the disk off the batch's thread, and the loop still answers."""
    body = bytes(range(227)) * 300
    before = shard_files()
    S3.put_object(Bucket=BUCKET, Key='uncached', Body=body)
    shards = shard_files() - before
    expect(len(shards) == 4, 'new shard files: %d' % len(shards))

    def drop():
        """Written and synced, their pages can be dropped."""
        for p in shards:
            fd = os.open(p, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)

    def fn():
        reads_back(BUCKET, 'uncached', body)
    counted(fn, 1, 0, prep=drop)


def damaged_mid():
    """A data shard that fails its checksum: the loop leaves the GET to a
    worker, which rebuilds the stripe from parity."""
    body = bytes(range(233)) * 300
    before = shard_files()
    S3.put_object(Bucket=BUCKET, Key='damaged', Body=body)
    shards = shard_files() - before
    expect(len(shards) == 4, 'new shard files: %d' % len(shards))
    first = [p for p in shards
             if open(p, 'rb').read(16)[12:16] == b'\0\0\0\0']
    expect(len(first) == 1, 'shard 0: %d files' % len(first))
    # Byte 1000 of shard 0 is byte 1000 of the object.
    bad = bytes([body[1000] ^ 0xff])

    def damage():
        """Again for each attempt: the read asks scrubd to heal it."""
        with open(first[0], 'r+b') as f:
            f.seek(64 + 1000)
            f.write(bad)

    def fn():
        reads_back(BUCKET, 'damaged', body)
    counted(fn, 0, 1, prep=damage)


def acl_by_worker():
    def fn():
        r = S3.get_object_acl(Bucket=BUCKET, Key='small')
        expect(len(r['Grants']) >= 1, r['Grants'])
    counted(fn, 0, 0)


def bad_signature():
    other = wrong_secret()

    def fn():
        expect_error('SignatureDoesNotMatch', 403, other.get_object,
                     Bucket=BUCKET, Key='small')
    counted(fn, 0, 0)


def delete_marker():
    S3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={
        'Status': 'Enabled'})
    v = S3.put_object(Bucket=BUCKET, Key='gone', Body=b'first')['VersionId']
    S3.delete_object(Bucket=BUCKET, Key='gone')

    def fn():
        try:
            S3.get_object(Bucket=BUCKET, Key='gone')
        except S3.exceptions.NoSuchKey as e:
            h = e.response['ResponseMetadata']['HTTPHeaders']
            expect(h.get('x-amz-delete-marker') == 'true', h)
        else:
            raise AssertionError('GET of a deleted key succeeded')
        body = S3.get_object(Bucket=BUCKET, Key='gone',
                             VersionId=v)['Body'].read()
        expect(body == b'first', body)
    counted(fn, 2, 0)


def user_cache_miss():
    """A user's key not in the gateway's cache (it keeps one 2 s): the
    loop may not wait for metad, so a worker answers that GET; the next
    finds the key cached and the loop answers it."""
    name, ak, sk = 'fast' + MODE, 'FASTUSER' + MODE.upper() + 'KEY00001', \
        'fast-user-secret-' + MODE + '-0123456789abcdef'
    subprocess.run([CAIRN, '-f', CONF, 'user', 'add', name, '--access-key',
                    ak, '--secret-key', sk], check=True, capture_output=True)
    u = boto3.client('s3', endpoint_url=ENDPOINT, region_name='us-east-1',
                     aws_access_key_id=ak, aws_secret_access_key=sk,
                     config=Config(s3={'addressing_style': 'path'},
                                   retries={'total_max_attempts': 1}))
    u.create_bucket(Bucket=BUCKET + '-u')
    u.put_object(Bucket=BUCKET + '-u', Key='k', Body=SMALL)

    def get():
        body = u.get_object(Bucket=BUCKET + '-u', Key='k')['Body'].read()
        expect(body == SMALL, 'body differs')
    counted(get, 0, 0, None, prep=lambda: time.sleep(2.5))
    counted(get, 1, 0, BUCKET + '-u', prep=get)


def put_small():
    """A 4 KiB PUT with user metadata and tags: the loop commits it and
    answers with its MD5 as the ETag."""
    body = os.urandom(4096)

    def fn():
        r = PUT.put_object(Bucket=BUCKET, Key='put-small', Body=body,
                           Metadata={'colour': 'blue'}, Tagging='a=1')
        expect(r['ETag'] == '"%s"' % hashlib.md5(body).hexdigest(),
               r['ETag'])
    counted(fn, 1, 0)
    r = S3.get_object(Bucket=BUCKET, Key='put-small')
    expect(r['Body'].read() == body, 'body read back differs')
    expect(r['Metadata'] == {'colour': 'blue'}, r['Metadata'])
    t = S3.get_object_tagging(Bucket=BUCKET, Key='put-small')['TagSet']
    expect(t == [{'Key': 'a', 'Value': '1'}], t)


def put_expect():
    """A PUT that asks for 100 Continue (as boto3 does): the loop admits
    it, answers 100, reads the body and takes it."""
    def fn():
        S3.put_object(Bucket=BUCKET, Key='put-expect', Body=SMALL)
    counted(fn, 1, 0)
    reads_back(BUCKET, 'put-expect', SMALL)


def put_expect_denied():
    """A wrong signature with 100 Continue asked: no 100 from the loop; a
    worker answers 403 without the body."""
    other = wrong_secret()

    def fn():
        expect_error('SignatureDoesNotMatch', 403, other.put_object,
                     Bucket=BUCKET, Key='put-denied', Body=SMALL)
    counted(fn, 0, 0)


def put_bad_md5():
    """A wrong Content-MD5: the loop leaves the request, and the body it
    read, to a worker, which reads the body again and answers BadDigest."""
    wrong = base64.b64encode(hashlib.md5(b'other').digest()).decode()

    def fn():
        expect_error('BadDigest', 400, PUT.put_object, Bucket=BUCKET,
                     Key='put-bad', Body=SMALL, ContentMD5=wrong)
    counted(fn, 0, 0)
    expect_error('NoSuchKey', 404, S3.get_object, Bucket=BUCKET,
                 Key='put-bad')


def put_if_none_match():
    """If-None-Match: * on a key that exists: metad refuses, and the loop
    answers 412."""
    def fn():
        expect_error('PreconditionFailed', 412, put_with, PUT,
                     {'If-None-Match': '*'}, Bucket=BUCKET, Key='small',
                     Body=b'not this')
    counted(fn, 1, 0)
    reads_back(BUCKET, 'small', SMALL)


def put_over_coded():
    """A small PUT over an erasure-coded object: the loop commits it, and
    a worker deletes the old shards and answers.  (In BUCKET, versioned
    by now, the old version would stay.)"""
    plain = BUCKET + '-plain'
    S3.create_bucket(Bucket=plain)

    def prep():
        S3.put_object(Bucket=plain, Key='was-big', Body=BIG)

    def fn():
        PUT.put_object(Bucket=plain, Key='was-big', Body=SMALL)
    counted(fn, 0, 1, plain, prep)
    reads_back(plain, 'was-big', SMALL)


def put_big():
    """A PUT too large to store inline goes to a worker as it came."""
    def fn():
        PUT.put_object(Bucket=BUCKET, Key='put-big', Body=BIG)
    counted(fn, 0, 0)
    reads_back(BUCKET, 'put-big', BIG)


def put_versioned():
    """In a versioned bucket the loop's answer carries the version id.
    The PUT and the GET are counted one at a time: a synced write can
    take over a second on a busy machine, past what the gateway keeps a
    bucket, and the next request would then go to a worker."""
    got = {}

    def put():
        r = PUT.put_object(Bucket=BUCKET, Key='put-v', Body=SMALL)
        expect(len(r.get('VersionId', '')) == 32, r.get('VersionId'))
        got['v'] = r['VersionId']

    def get():
        body = S3.get_object(Bucket=BUCKET, Key='put-v',
                             VersionId=got['v'])['Body'].read()
        expect(body == SMALL, 'body read back differs')
    counted(put, 1, 0)
    counted(get, 1, 0)


def delete_plain():
    """DELETE in an unversioned bucket: the loop answers for an inline
    object; a worker deletes a coded one's shards, then answers."""
    plain = BUCKET + '-del'
    S3.create_bucket(Bucket=plain)

    def inline():
        r = S3.delete_object(Bucket=plain, Key='small')
        expect(r['ResponseMetadata']['HTTPStatusCode'] == 204, r)
    counted(inline, 1, 0, plain,
            lambda: S3.put_object(Bucket=plain, Key='small', Body=SMALL))

    def coded():
        S3.delete_object(Bucket=plain, Key='big')
    counted(coded, 0, 1, plain,
            lambda: S3.put_object(Bucket=plain, Key='big', Body=BIG))
    for k in ('small', 'big'):
        expect_error('NoSuchKey', 404, S3.get_object, Bucket=plain, Key=k)


def delete_versioned():
    """DELETE in a versioned bucket: a marker, then a version by id; both
    answered by the loop with their version headers."""
    st = {'n': 0}

    def prep():
        """Each attempt a key of its own, with one version."""
        st['n'] += 1
        st['key'] = 'del-v%d' % st['n']
        st['v'] = S3.put_object(Bucket=BUCKET, Key=st['key'],
                                Body=SMALL)['VersionId']

    def marker():
        r = S3.delete_object(Bucket=BUCKET, Key=st['key'])
        expect(r.get('DeleteMarker') is True and
               len(r.get('VersionId', '')) == 32, r)

    def version():
        r = S3.delete_object(Bucket=BUCKET, Key=st['key'],
                             VersionId=st['v'])
        expect(r.get('VersionId') == st['v'], r)
    counted(marker, 1, 0, prep=prep)    # one at a time, as in put_versioned
    counted(version, 1, 0)
    vs = S3.list_object_versions(Bucket=BUCKET, Prefix=st['key'])
    expect(not vs.get('Versions') and len(vs.get('DeleteMarkers', [])) == 1,
           vs)


def read_response(f):
    """read_response reads one HTTP/1.1 response: (status, body)."""
    status = int(f.readline().split()[1])
    length = 0
    while True:
        line = f.readline().strip()
        if not line:
            break
        name, _, value = line.partition(b':')
        if name.lower() == b'content-length':
            length = int(value)
    return status, f.read(length)


def pipelined():
    """Two GETs sent in one write: answered in order, each whole."""
    signer = boto3.client('s3', endpoint_url=ENDPOINT,
                          region_name='us-east-1',
                          config=Config(s3={'addressing_style': 'path'},
                                        signature_version='s3v4'))
    urls = [signer.generate_presigned_url('get_object', Params={
        'Bucket': BUCKET, 'Key': k}) for k in ('small', 'big')]
    host = urllib.parse.urlsplit(ENDPOINT).netloc
    reqs = b''
    for u in urls:
        p = urllib.parse.urlsplit(u)
        reqs += ('GET %s?%s HTTP/1.1\r\nHost: %s\r\n\r\n' % (
            p.path, p.query, host)).encode()

    def fn():
        with socket.create_connection(host.rsplit(':', 1)) as s:
            s.settimeout(30)
            s.sendall(reqs)
            f = s.makefile('rb')
            expect(read_response(f) == (200, SMALL), 'first answer differs')
            expect(read_response(f) == (200, BIG), 'second answer differs')
    counted(fn, 1, 1)


def half_closed():
    """A client that sends its request and closes its side still gets the
    whole answer: the loop keeps reading while it serves a request, and
    the end of the client's input must not end the connection."""
    signer = boto3.client('s3', endpoint_url=ENDPOINT,
                          region_name='us-east-1',
                          config=Config(s3={'addressing_style': 'path'},
                                        signature_version='s3v4'))
    host = urllib.parse.urlsplit(ENDPOINT).netloc

    def one(key, want):
        p = urllib.parse.urlsplit(signer.generate_presigned_url(
            'get_object', Params={'Bucket': BUCKET, 'Key': key}))
        with socket.create_connection(host.rsplit(':', 1)) as s:
            s.settimeout(30)
            s.sendall(('GET %s?%s HTTP/1.1\r\nHost: %s\r\n\r\n' % (
                p.path, p.query, host)).encode())
            s.shutdown(socket.SHUT_WR)
            f = s.makefile('rb')
            expect(read_response(f) == (200, want), key + ': answer differs')

    def fn():
        one('small', SMALL)
        one('mid', MID)
        one('big', BIG)
    counted(fn, 2, 1)


sys.exit(run_expect([
    ('setup: a bucket, a 4 KiB, a 64 KiB and a 1 MiB object', setup),
    ('GET of an inline object', get_small),
    ('HEAD', head_small),
    ('GET of a range: 206', range_small),
    ('If-None-Match of the ETag: 304', not_modified),
    ('GET of a missing key: NoSuchKey', missing_key),
    ('GET of a coded object of one stripe: the loop reads it', get_mid),
    ('GET of a range of it: 206', range_mid),
    ('GET of 256 KiB: the loop; of a byte more: a worker', coded_max),
    ('GET of one out of the page cache: the loop too', uncached_mid),
    ('GET of it with a damaged data shard: a worker rebuilds it',
     damaged_mid),
    ('GET of an erasure-coded object: a worker streams it', get_big),
    ('GET ?acl: a worker answers', acl_by_worker),
    ('a wrong signature: a worker answers SignatureDoesNotMatch',
     bad_signature),
    ('a delete marker: 404 with x-amz-delete-marker; its older version',
     delete_marker),
    ('two pipelined GETs: answered in order', pipelined),
    ('a GET, then the client closes its side: the whole answer',
     half_closed),
    ('PUT of 4 KiB with metadata and tags', put_small),
    ('PUT with Expect: 100-continue: the loop answers 100, then 200',
     put_expect),
    ('PUT with Expect and a wrong signature: a worker answers 403',
     put_expect_denied),
    ('PUT with a wrong Content-MD5: a worker answers BadDigest', put_bad_md5),
    ('PUT If-None-Match: * of an existing key: 412', put_if_none_match),
    ('small PUT over a coded object: a worker deletes its shards',
     put_over_coded),
    ('PUT of 1 MiB: a worker stores it', put_big),
    ('PUT in a versioned bucket: the version id', put_versioned),
    ('DELETE of an inline and of a coded object', delete_plain),
    ('DELETE in a versioned bucket: a marker, then a version',
     delete_versioned),
    ('a key not cached: a worker answers, then the loop', user_cache_miss),
]))
