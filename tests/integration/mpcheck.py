#!/usr/bin/python3
"""mpcheck.py - multipart uploads through boto3, printed as TAP.

Usage: mpcheck.py ENDPOINT_URL DATA_DIR BIG_MIB [--no-plan]
       mpcheck.py --count

Creates, uploads, completes, lists and aborts multipart uploads and checks
every byte read back and every error code.  DATA_DIR is the cluster's data
directory: the shard files under DATA_DIR/drives are counted to see that
aborted, replaced and unlisted parts leave nothing behind.  BIG_MIB is the
size of the object sent with upload_file in 8 MiB parts, 4 at a time.
With --no-plan the TAP plan is left to the caller, which asks for the
number of checks with --count and goes on numbering after them.
"""

import glob
import hashlib
import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config

import s3tap
from s3tap import expect, expect_error

MiB = 1024 * 1024


def sha(b):
    return hashlib.sha256(b).hexdigest()


def mp_etag(parts):
    """mp_etag is S3's ETag of an object made of the byte strings parts."""
    md5s = b''.join(hashlib.md5(p).digest() for p in parts)
    return '"%s-%d"' % (hashlib.md5(md5s).hexdigest(), len(parts))


class Checks:
    def __init__(self, endpoint, data, big_mib):
        conf = Config(s3={'addressing_style': 'path'},
                      retries={'total_max_attempts': 1},
                      connect_timeout=10, read_timeout=300)
        self.s3 = boto3.client('s3', endpoint_url=endpoint, config=conf)
        self.endpoint = endpoint
        self.data = data
        self.big_mib = big_mib
        self.bucket = 'mp-' + uuid.uuid4().hex[:12]
        self.ubucket = 'mpu-' + uuid.uuid4().hex[:12]
        rnd = os.urandom
        self.parts = [rnd(5 * MiB), rnd(5 * MiB + 3), rnd(1234)]
        self.whole = b''.join(self.parts)

    def tests(self):
        return [
            ('create buckets', self.create_buckets),
            ('5 MiB parts and a small last part: complete', self.complete),
            ('GET returns the same SHA-256', self.get_whole),
            ('the ETag is MD5 of the part MD5s, -3', self.etag),
            ('HEAD tells the size and the ETag', self.head),
            ('ListObjectsV2 shows the multipart ETag', self.listed),
            ('ranged GETs across part boundaries', self.ranges),
            ('GET partNumber=2: that part, x-amz-mp-parts-count',
             self.part_number),
            ('HEAD partNumber=3; partNumber=4 is InvalidPartNumber',
             self.part_number_head),
            ('list_parts pages with max-parts and the marker',
             self.list_parts),
            ('a part uploaded again replaces the old one and its shards',
             self.part_replace),
            ('complete keeps only the listed parts; others are deleted',
             self.unlisted),
            ('complete over an object replaces it, shards freed',
             self.replace_object),
            ('list_multipart_uploads pages and markers',
             self.list_uploads_pages),
            ('list_multipart_uploads with prefix and delimiter',
             self.list_uploads_delim),
            ('abort: 204, shards deleted, then NoSuchUpload', self.abort),
            ('InvalidPart: a part never uploaded', self.err_missing_part),
            ('InvalidPart: an ETag that does not match', self.err_bad_etag),
            ('InvalidPartOrder', self.err_order),
            ('EntityTooSmall: a part but the last under 5 MiB',
             self.err_small),
            ('NoSuchUpload for complete, upload_part, list_parts',
             self.err_no_upload),
            ('MalformedXML for an empty part list', self.err_malformed),
            ('MalformedXML for a body that is not the schema',
             self.err_xml_body),
            ('InvalidArgument for part number 10001', self.err_part_number),
            ('BadDigest for a wrong Content-MD5', self.err_md5),
            ('UploadPartCopy of a missing source is NoSuchKey',
             self.err_copy),
            ('a failed complete leaves the upload usable',
             self.complete_after_error),
            ('%d MiB through upload_file, 8 MiB parts, 4 at a time' %
             self.big_mib, self.big),
            ('DeleteBucket with an upload in progress succeeds, as in S3',
             self.delete_bucket_with_upload),
        ]

    # --- helpers ---------------------------------------------------------

    def shard_files(self):
        """shard_files counts shards and temporary files (not spares)."""
        n = 0
        for top in glob.glob(os.path.join(self.data, 'drives', '*')):
            for sub in ('shards', 'tmp'):
                for _, _, files in os.walk(os.path.join(top, sub)):
                    n += len(files)
        return n

    def upload(self, key, parts, bucket=None):
        """upload creates an upload of key and sends parts 1..n."""
        bucket = bucket or self.bucket
        uid = self.s3.create_multipart_upload(Bucket=bucket,
                                              Key=key)['UploadId']
        done = []
        for i, p in enumerate(parts, 1):
            r = self.s3.upload_part(Bucket=bucket, Key=key, UploadId=uid,
                                    PartNumber=i, Body=p)
            expect(r['ETag'] == '"%s"' % hashlib.md5(p).hexdigest(),
                   'part %d ETag %s' % (i, r['ETag']))
            done.append({'PartNumber': i, 'ETag': r['ETag']})
        return uid, done

    def complete_with(self, key, uid, parts, bucket=None):
        return self.s3.complete_multipart_upload(
            Bucket=bucket or self.bucket, Key=key, UploadId=uid,
            MultipartUpload={'Parts': parts})

    def get_range(self, key, rng):
        r = self.s3.get_object(Bucket=self.bucket, Key=key, Range=rng)
        return r, r['Body'].read()

    # --- the checks ------------------------------------------------------

    def create_buckets(self):
        self.s3.create_bucket(Bucket=self.bucket)
        self.s3.create_bucket(Bucket=self.ubucket)

    def complete(self):
        uid, done = self.upload('obj', self.parts)
        r = self.complete_with('obj', uid, done)
        expect(r['ETag'] == mp_etag(self.parts), r)
        expect(r['Key'] == 'obj' and r['Bucket'] == self.bucket, r)
        expect(r['Location'].endswith('/%s/obj' % self.bucket), r)

    def get_whole(self):
        got = self.s3.get_object(Bucket=self.bucket, Key='obj')['Body'].read()
        expect(sha(got) == sha(self.whole),
               'got %d bytes, want %d' % (len(got), len(self.whole)))

    def etag(self):
        r = self.s3.get_object(Bucket=self.bucket, Key='obj')
        r['Body'].close()
        expect(r['ETag'] == mp_etag(self.parts), r['ETag'])

    def head(self):
        r = self.s3.head_object(Bucket=self.bucket, Key='obj')
        expect(r['ContentLength'] == len(self.whole), r)
        expect(r['ETag'] == mp_etag(self.parts), r['ETag'])

    def listed(self):
        c = self.s3.list_objects_v2(Bucket=self.bucket)['Contents']
        e = [x for x in c if x['Key'] == 'obj']
        expect(len(e) == 1 and e[0]['ETag'] == mp_etag(self.parts) and
               e[0]['Size'] == len(self.whole), c)

    def ranges(self):
        b = 5 * MiB
        n = len(self.whole)
        for first, last in [(b - 100, b + 100), (0, n - 1), (1, 2 * b),
                            (2 * b + 3 - 10, n - 1), (b, b), (b - 1, b),
                            (3 * MiB, 2 * b + 100), (n - 1, n - 1)]:
            r, got = self.get_range('obj', 'bytes=%d-%d' % (first, last))
            want = self.whole[first:last + 1]
            expect(sha(got) == sha(want),
                   'range %d-%d: %d bytes' % (first, last, len(got)))
            expect(r['ContentRange'] == 'bytes %d-%d/%d' % (first, last, n),
                   r['ContentRange'])
        _, got = self.get_range('obj', 'bytes=-2000')
        expect(got == self.whole[-2000:], 'suffix range')
        _, got = self.get_range('obj', 'bytes=%d-' % (b + 7))
        expect(sha(got) == sha(self.whole[b + 7:]), 'open range')

    def part_number(self):
        r = self.s3.get_object(Bucket=self.bucket, Key='obj', PartNumber=2)
        got = r['Body'].read()
        expect(got == self.parts[1], 'part 2: %d bytes' % len(got))
        expect(r['PartsCount'] == 3, r)
        b = 5 * MiB
        expect(r['ContentRange'] == 'bytes %d-%d/%d' % (
            b, 2 * b + 2, len(self.whole)), r['ContentRange'])

    def part_number_head(self):
        r = self.s3.head_object(Bucket=self.bucket, Key='obj', PartNumber=3)
        expect(r['ContentLength'] == 1234 and r['PartsCount'] == 3, r)
        expect_error('InvalidPartNumber', 416, self.s3.get_object,
                     Bucket=self.bucket, Key='obj', PartNumber=4)

    def list_parts(self):
        small = [os.urandom(100 + i) for i in range(5)]
        uid, _ = self.upload('lp', small)
        seen, marker, pages = [], 0, 0
        while True:
            r = self.s3.list_parts(Bucket=self.bucket, Key='lp', UploadId=uid,
                                   MaxParts=2, PartNumberMarker=marker)
            pages += 1
            nums = [p['PartNumber'] for p in r.get('Parts', [])]
            seen += [(p['PartNumber'], p['Size'], p['ETag'])
                     for p in r.get('Parts', [])]
            expect(r['MaxParts'] == 2 and len(nums) <= 2, r)
            if not r['IsTruncated']:
                break
            expect(r['NextPartNumberMarker'] == nums[-1], r)
            marker = r['NextPartNumberMarker']
        want = [(i + 1, len(p), '"%s"' % hashlib.md5(p).hexdigest())
                for i, p in enumerate(small)]
        expect(seen == want and pages == 3, seen, pages)
        self.s3.abort_multipart_upload(Bucket=self.bucket, Key='lp',
                                       UploadId=uid)

    def part_replace(self):
        before = self.shard_files()
        a, b = os.urandom(6 * MiB), os.urandom(5 * MiB + 1)
        uid, _ = self.upload('rp', [a])
        files_a = self.shard_files()
        r = self.s3.upload_part(Bucket=self.bucket, Key='rp', UploadId=uid,
                                PartNumber=1, Body=b)
        parts = self.s3.list_parts(Bucket=self.bucket, Key='rp',
                                   UploadId=uid)['Parts']
        expect(len(parts) == 1 and parts[0]['Size'] == len(b) and
               parts[0]['ETag'] == r['ETag'], parts)
        expect(self.shard_files() == files_a,
               'shard files: %d, want %d' % (self.shard_files(), files_a))
        self.complete_with('rp', uid, [{'PartNumber': 1, 'ETag': r['ETag']}])
        got = self.s3.get_object(Bucket=self.bucket, Key='rp')['Body'].read()
        expect(got == b, 'content is not the second upload')
        self.s3.delete_object(Bucket=self.bucket, Key='rp')
        expect(self.shard_files() == before, 'shards left after delete')

    def unlisted(self):
        before = self.shard_files()
        ps = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(5 * MiB)]
        uid, done = self.upload('ul', ps)
        per_part = (self.shard_files() - before) // 3
        self.complete_with('ul', uid, [done[0], done[2]])
        got = self.s3.get_object(Bucket=self.bucket, Key='ul')['Body'].read()
        expect(got == ps[0] + ps[2], 'content of parts 1 and 3')
        expect(self.shard_files() == before + 2 * per_part,
               'shard files %d, want %d' % (self.shard_files(),
                                            before + 2 * per_part))
        r = self.s3.head_object(Bucket=self.bucket, Key='ul')
        expect(r['ETag'] == mp_etag([ps[0], ps[2]]), r['ETag'])
        # partNumber names the part as uploaded, gaps and all.
        r = self.s3.get_object(Bucket=self.bucket, Key='ul', PartNumber=3)
        expect(r['Body'].read() == ps[2] and r['PartsCount'] == 2,
               'partNumber=3 of parts 1 and 3')
        expect_error('InvalidPartNumber', 416, self.s3.get_object,
                     Bucket=self.bucket, Key='ul', PartNumber=2)

    def replace_object(self):
        before = self.shard_files()
        self.s3.put_object(Bucket=self.bucket, Key='ro',
                           Body=os.urandom(MiB))
        uid, done = self.upload('ro', [os.urandom(5 * MiB), b'x'])
        self.complete_with('ro', uid, done)
        uid, done = self.upload('ro', [os.urandom(5 * MiB), b'y'])
        self.complete_with('ro', uid, done)
        # What is left: one coded part, one shard file per drive.
        drives = len(os.listdir(os.path.join(self.data, 'drives')))
        expect(self.shard_files() - before == drives,
               'shard files: %d more, want %d' % (
                   self.shard_files() - before, drives))
        self.s3.delete_object(Bucket=self.bucket, Key='ro')
        expect(self.shard_files() == before, 'shards left after delete')

    def make_uploads(self):
        if hasattr(self, 'ups'):
            return self.ups
        ups = []
        for k in ['a/1', 'a/2', 'b/1', 'b/1', 'c', 'd']:
            u = self.s3.create_multipart_upload(Bucket=self.ubucket, Key=k)
            ups.append((k, u['UploadId']))
            time.sleep(0.002)
        self.ups = ups
        return ups

    def list_uploads_pages(self):
        ups = self.make_uploads()
        got, kw, pages = [], {}, 0
        while True:
            r = self.s3.list_multipart_uploads(Bucket=self.ubucket,
                                               MaxUploads=2, **kw)
            pages += 1
            got += [(u['Key'], u['UploadId']) for u in r.get('Uploads', [])]
            expect(len(r.get('Uploads', [])) <= 2 and r['MaxUploads'] == 2, r)
            if not r['IsTruncated']:
                break
            kw = {'KeyMarker': r['NextKeyMarker'],
                  'UploadIdMarker': r['NextUploadIdMarker']}
        expect(got == ups and pages == 3, got, ups, pages)
        r = self.s3.list_multipart_uploads(Bucket=self.ubucket,
                                           KeyMarker='b/1')
        expect([u['Key'] for u in r['Uploads']] == ['c', 'd'], r)
        r = self.s3.list_multipart_uploads(Bucket=self.ubucket,
                                           KeyMarker='b/1',
                                           UploadIdMarker=ups[2][1])
        expect([(u['Key'], u['UploadId']) for u in r['Uploads']] == ups[3:],
               r)

    def list_uploads_delim(self):
        ups = self.make_uploads()
        r = self.s3.list_multipart_uploads(Bucket=self.ubucket, Delimiter='/')
        expect([u['Key'] for u in r['Uploads']] == ['c', 'd'], r)
        expect([p['Prefix'] for p in r['CommonPrefixes']] == ['a/', 'b/'], r)
        r = self.s3.list_multipart_uploads(Bucket=self.ubucket, Prefix='b/')
        expect([(u['Key'], u['UploadId']) for u in r['Uploads']] ==
               ups[2:4], r)
        r = self.s3.list_multipart_uploads(Bucket=self.ubucket, Delimiter='/',
                                           MaxUploads=1)
        expect(r['IsTruncated'] and r['CommonPrefixes'][0]['Prefix'] == 'a/'
               and r['NextKeyMarker'] == 'a/', r)
        r = self.s3.list_multipart_uploads(Bucket=self.ubucket, Delimiter='/',
                                           KeyMarker='a/')
        expect([p['Prefix'] for p in r['CommonPrefixes']] == ['b/'], r)

    def abort(self):
        before = self.shard_files()
        uid, _ = self.upload('ab', [os.urandom(5 * MiB), os.urandom(2 * MiB)])
        expect(self.shard_files() > before, 'no shards written')
        r = self.s3.abort_multipart_upload(Bucket=self.bucket, Key='ab',
                                           UploadId=uid)
        expect(r['ResponseMetadata']['HTTPStatusCode'] == 204, r)
        expect(self.shard_files() == before, 'shards of aborted parts left')
        expect_error('NoSuchUpload', 404, self.s3.list_parts,
                     Bucket=self.bucket, Key='ab', UploadId=uid)
        expect_error('NoSuchUpload', 404, self.s3.abort_multipart_upload,
                     Bucket=self.bucket, Key='ab', UploadId=uid)
        ids = [u['UploadId'] for u in self.s3.list_multipart_uploads(
            Bucket=self.bucket).get('Uploads', [])]
        expect(uid not in ids, ids)

    def err_missing_part(self):
        uid, done = self.upload('e1', [os.urandom(5 * MiB), b'end'])
        self.e1 = (uid, done)
        expect_error('InvalidPart', 400, self.complete_with, 'e1', uid,
                     done + [{'PartNumber': 3, 'ETag': done[0]['ETag']}])

    def err_bad_etag(self):
        uid, done = self.e1
        bad = [done[0], {'PartNumber': 2, 'ETag': '"%s"' % ('0' * 32)}]
        expect_error('InvalidPart', 400, self.complete_with, 'e1', uid, bad)

    def err_order(self):
        uid, done = self.e1
        expect_error('InvalidPartOrder', 400, self.complete_with, 'e1', uid,
                     [done[1], done[0]])

    def err_small(self):
        uid, done = self.upload('e2', [b'small', b'end'])
        expect_error('EntityTooSmall', 400, self.complete_with, 'e2', uid,
                     done)
        self.s3.abort_multipart_upload(Bucket=self.bucket, Key='e2',
                                       UploadId=uid)

    def err_no_upload(self):
        bogus = '0123456789abcdef0123456789abcdef'
        for fn, kw in [
                (self.s3.complete_multipart_upload,
                 {'MultipartUpload': {'Parts': [{'PartNumber': 1,
                                                 'ETag': '"x"'}]}}),
                (self.s3.upload_part, {'PartNumber': 1, 'Body': b'x'}),
                (self.s3.list_parts, {}),
                (self.s3.abort_multipart_upload, {})]:
            for uid in [bogus, 'not-an-upload-id']:
                expect_error('NoSuchUpload', 404, fn, Bucket=self.bucket,
                             Key='e1', UploadId=uid, **kw)
        uid, _ = self.e1
        expect_error('NoSuchUpload', 404, self.s3.list_parts,
                     Bucket=self.bucket, Key='other-key', UploadId=uid)

    def err_malformed(self):
        uid, _ = self.e1
        expect_error('MalformedXML', 400, self.complete_with, 'e1', uid, [])

    def raw(self, method, path, body):
        """raw sends a SigV4-signed request with any body; returns
        (status, S3 error code or None)."""
        req = AWSRequest(method=method, url=self.endpoint + path, data=body)
        req.headers['x-amz-content-sha256'] = sha(body)
        creds = self.s3._request_signer._credentials.get_frozen_credentials()
        S3SigV4Auth(creds, 's3', self.s3.meta.region_name).add_auth(req)
        p = req.prepare()
        r = urllib.request.Request(p.url, data=body, method=method,
                                   headers=dict(p.headers.items()))
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                return resp.status, None
        except urllib.error.HTTPError as e:
            m = re.search(rb'<Code>([^<]*)</Code>', e.read())
            return e.code, m.group(1).decode() if m else None

    def err_xml_body(self):
        uid, done = self.e1
        path = '/%s/e1?uploadId=%s' % (self.bucket, uid)
        part = ('<Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>' %
                done[0]['ETag'])
        for body in [b'not xml at all', b'<CompleteMultipartUpload>',
                     ('<Other>%s</Other>' % part).encode(),
                     ('<CompleteMultipartUpload><Part><ETag>"x"</ETag>'
                      '</Part></CompleteMultipartUpload>').encode(),
                     ('<CompleteMultipartUpload><Part><PartNumber>0'
                      '</PartNumber><ETag>"x"</ETag></Part>'
                      '</CompleteMultipartUpload>').encode(),
                     ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">'
                      '<!ENTITY b "&a;&a;&a;&a;">]><CompleteMultipartUpload>'
                      '%s</CompleteMultipartUpload>' % part).encode()]:
            got = self.raw('POST', path, body)
            expect(got == (400, 'MalformedXML'), body, got)

    def err_part_number(self):
        uid, _ = self.e1
        expect_error('InvalidArgument', 400, self.s3.upload_part,
                     Bucket=self.bucket, Key='e1', UploadId=uid,
                     PartNumber=10001, Body=b'x')

    def err_md5(self):
        uid, _ = self.e1
        expect_error('BadDigest', 400, self.s3.upload_part,
                     Bucket=self.bucket, Key='e1', UploadId=uid,
                     PartNumber=5, Body=b'hello',
                     ContentMD5='AAAAAAAAAAAAAAAAAAAAAA==')

    def err_copy(self):
        uid, _ = self.e1
        expect_error('NoSuchKey', 404, self.s3.upload_part_copy,
                     Bucket=self.bucket, Key='e1', UploadId=uid,
                     PartNumber=3, CopySource='%s/no-such-obj' % self.bucket)

    def complete_after_error(self):
        uid, done = self.e1
        self.complete_with('e1', uid, done)
        r = self.s3.head_object(Bucket=self.bucket, Key='e1')
        expect(r['ContentLength'] == 5 * MiB + 3, r)

    def big(self):
        path = os.path.join(os.environ.get('TESTDIR', '/tmp'),
                            'mp-big-%d' % os.getpid())
        h = hashlib.sha256()
        with open(path, 'wb') as f:
            for _ in range(self.big_mib):
                b = os.urandom(MiB)
                h.update(b)
                f.write(b)
        tc = TransferConfig(multipart_threshold=8 * MiB,
                            multipart_chunksize=8 * MiB, max_concurrency=4)
        try:
            t0 = time.time()
            self.s3.upload_file(path, self.bucket, 'big', Config=tc)
            t1 = time.time()
            os.unlink(path)
            self.s3.download_file(self.bucket, 'big', path, Config=tc)
            t2 = time.time()
            g = hashlib.sha256()
            with open(path, 'rb') as f:
                for b in iter(lambda: f.read(MiB), b''):
                    g.update(b)
        finally:
            if os.path.exists(path):
                os.unlink(path)
        print('# %d MiB: upload %.1f s, download %.1f s' % (
            self.big_mib, t1 - t0, t2 - t1))
        expect(g.hexdigest() == h.hexdigest(), 'SHA-256 differs')
        r = self.s3.head_object(Bucket=self.bucket, Key='big')
        n = (self.big_mib + 7) // 8
        expect(r['ETag'].endswith('-%d"' % n), r['ETag'])

    def delete_bucket_with_upload(self):
        for k in ['obj', 'ul', 'e1', 'big']:
            self.s3.delete_object(Bucket=self.bucket, Key=k)
        left = self.s3.list_objects_v2(Bucket=self.bucket).get('Contents')
        expect(not left, 'objects left: %r' % left)
        self.s3.delete_bucket(Bucket=self.bucket)
        before = self.shard_files()
        k, uid = self.make_uploads()[0]
        self.s3.upload_part(Bucket=self.ubucket, Key=k, UploadId=uid,
                            PartNumber=1, Body=os.urandom(5 * MiB))
        self.s3.put_object(Bucket=self.ubucket, Key='o', Body=b'o')
        expect_error('BucketNotEmpty', 409, self.s3.delete_bucket,
                     Bucket=self.ubucket)
        n = len(self.s3.list_multipart_uploads(
            Bucket=self.ubucket)['Uploads'])
        expect(n == len(self.ups), 'a failed DeleteBucket kept %d of %d '
               'uploads' % (n, len(self.ups)))
        self.s3.delete_object(Bucket=self.ubucket, Key='o')
        self.s3.delete_bucket(Bucket=self.ubucket)
        expect(self.shard_files() == before, 'shards of parts left: %d' %
               (self.shard_files() - before))
        self.s3.create_bucket(Bucket=self.ubucket)
        r = self.s3.list_multipart_uploads(Bucket=self.ubucket)
        expect(not r.get('Uploads'), 'uploads of the old bucket: %r' % r)
        self.s3.delete_bucket(Bucket=self.ubucket)


def main():
    if sys.argv[1:] == ['--count']:
        print(len(Checks('http://localhost', '', 0).tests()))
        return 0
    if len(sys.argv) not in (4, 5):
        sys.exit('usage: mpcheck.py ENDPOINT_URL DATA_DIR BIG_MIB '
                 '[--no-plan]')
    checks = Checks(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    return s3tap.run_expect(checks.tests(),
                            plan=sys.argv[4:] != ['--no-plan'])


if __name__ == '__main__':
    sys.exit(main())
