#!/usr/bin/python3
"""s3check.py - checks an S3 endpoint with boto3 and prints the results as TAP.

Usage: s3check.py ENDPOINT_URL [INLINE_MAX]

The credentials and region come from the usual AWS_* environment variables.
Each check is one callable giving one TAP line; the plan is printed first,
so a run cut short is seen as a failure.  An exception inside a check fails
that check only, with its traceback as diagnostics.
"""

import collections
import hashlib
import os
import sys
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import (ClientError, EndpointConnectionError,
                                 NoCredentialsError)

import s3tap
from s3tap import Failed, expect, expect_error

MiB = 1024 * 1024


def client(endpoint, access_key=None, secret_key=None):
    """client returns an S3 client for endpoint, path-style, no retries."""
    conf = Config(s3={'addressing_style': 'path'},
                  retries={'total_max_attempts': 1},
                  connect_timeout=10, read_timeout=120)
    kw = {}
    if access_key is not None:
        kw = {'aws_access_key_id': access_key,
              'aws_secret_access_key': secret_key}
    return boto3.client('s3', endpoint_url=endpoint, config=conf,
                        region_name=os.environ.get('AWS_DEFAULT_REGION',
                                                   'us-east-1'), **kw)


def body_of(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)['Body'].read()


def list_keys(s3, bucket, **kw):
    """list_keys pages through ListObjectsV2; returns (keys, prefixes).

    Every page is checked on the way: KeyCount matches what the page holds,
    a truncated page has a continuation token, the last one has none."""
    keys, prefixes = [], []
    pages = s3.get_paginator('list_objects_v2').paginate(Bucket=bucket, **kw)
    for page in pages:
        contents = [c['Key'] for c in page.get('Contents', [])]
        cps = [p['Prefix'] for p in page.get('CommonPrefixes', [])]
        expect(page.get('KeyCount') == len(contents) + len(cps),
               'KeyCount %s, page holds %d' % (page.get('KeyCount'),
                                               len(contents) + len(cps)))
        expect(page['IsTruncated'] == ('NextContinuationToken' in page),
               'IsTruncated and NextContinuationToken disagree')
        limit = kw.get('PaginationConfig', {}).get('PageSize')
        expect(limit is None or len(contents) + len(cps) <= limit,
               'page of %d entries, MaxKeys %s' % (len(contents) + len(cps),
                                                   limit))
        keys += contents
        prefixes += cps
    return keys, prefixes


def expect_listing(got, want, what):
    dups = [k for k, n in collections.Counter(got).items() if n > 1]
    expect(not dups, '%s listed more than once: %r' % (what, dups[:10]))
    expect(set(got) == set(want),
           'missing %s: %r' % (what, sorted(set(want) - set(got))[:10]),
           'unexpected %s: %r' % (what, sorted(set(got) - set(want))[:10]))
    utf8 = [k.encode() for k in got]
    expect(utf8 == sorted(utf8), '%s not in UTF-8 byte order' % what)


def expected_listing(keys, prefix='', delimiter=None):
    """expected_listing is what S3 answers: (keys, common prefixes)."""
    contents, prefixes = [], set()
    for k in keys:
        if not k.startswith(prefix):
            continue
        rest = k[len(prefix):]
        if delimiter and delimiter in rest:
            prefixes.add(prefix + rest[:rest.index(delimiter) + 1])
        else:
            contents.append(k)
    return contents, sorted(prefixes)


# Keys that trip up encoders, listings and signers, and ~220 ordinary ones.
SPECIAL_KEYS = [
    'a', 'a/b', 'a/b/c', 'a/', 'a//b', 'a//', '//lead', 'trail/',
    'with space', 'dir with space/file name.txt', 'plus+sign', 'x+y/z+w',
    'percent%20literal', '100%', '%2F', 'question?mark', 'hash#tag',
    'amp&er=sand', 'tilde~', 'quote\'s', 'semi;colon', 'comma,list',
    'caf\u00e9/cr\u00e8me', '\u65e5\u672c/\u8a9e.txt', '\u00fcml\u00e4ut',
    'emoji-\U0001f600', 'deep/1/2/3/4/5',
]
PLAIN_KEYS = ['dir%d/file%03d.txt' % (i % 10, i) for i in range(200)] + \
    ['top%02d' % i for i in range(20)]
ALL_KEYS = SPECIAL_KEYS + PLAIN_KEYS


class Checks:
    """Checks holds the client, the buckets and the objects put so far."""

    def __init__(self, endpoint, inline_max):
        self.endpoint = endpoint
        self.s3 = client(endpoint)
        tag = uuid.uuid4().hex[:8]
        self.bucket = 'boto-data-' + tag
        self.lbucket = 'boto-list-' + tag
        self.sizes = [0, 1, 4096, inline_max - 1, inline_max, inline_max + 1,
                      MiB + 1, 64 * MiB]
        self.objects = {}	# key -> (sha256, md5, size)
        self.stored = []	# keys of the listing bucket put so far

    def tests(self):
        """tests returns the (description, callable) pairs, in order."""
        t = [('create bucket', self.create_bucket),
             ('list_buckets shows it', self.list_buckets),
             ('head_bucket', self.head_bucket)]
        for n in self.sizes:
            t += [('put %d bytes, ETag is the MD5' % n,
                   lambda n=n: self.put_size(n)),
                  ('get %d bytes, same SHA-256' % n,
                   lambda n=n: self.get_size(n)),
                  ('head %d bytes: ContentLength and ETag' % n,
                   lambda n=n: self.head_size(n))]
        t += [('listing shows Size and ETag of each object',
               self.list_sizes),
              ('put %d keys with special characters' % len(ALL_KEYS),
               self.put_keys),
              ('special keys read back intact', self.get_special),
              ('list_objects_v2 paged by 17, no delimiter',
               lambda: self.listing(17)),
              ('list_objects_v2 paged by 7, delimiter /',
               lambda: self.listing(7, delimiter='/')),
              ('list_objects_v2 prefix a/ delimiter /',
               lambda: self.listing(2, prefix='a/', delimiter='/')),
              ('list_objects_v2 prefix dir3/',
               lambda: self.listing(5, prefix='dir3/')),
              ('list_objects_v2 prefix matching nothing',
               lambda: self.listing(10, prefix='nothing-here/',
                                    delimiter='/')),
              ('list_objects_v2 MaxKeys 3 gives 3 and a token',
               self.max_keys),
              ('head_object of a missing key is 404', self.head_missing),
              ('delete_object', self.delete_object),
              ('get_object after delete is NoSuchKey', self.get_deleted),
              ('delete_object of a missing key succeeds',
               self.delete_missing),
              ('get_object on a missing bucket is NoSuchBucket',
               self.no_such_bucket_get),
              ('put_object on a missing bucket is NoSuchBucket',
               self.no_such_bucket_put),
              ('list_objects_v2 on a missing bucket is NoSuchBucket',
               self.no_such_bucket_list),
              ('head_bucket on a missing bucket is 404',
               self.head_bucket_missing),
              ('create_bucket with a bad name is InvalidBucketName',
               self.bad_bucket_name),
              ('delete_bucket of a non-empty bucket is BucketNotEmpty',
               self.bucket_not_empty),
              ('wrong secret key is SignatureDoesNotMatch',
               self.wrong_secret),
              ('unknown access key is InvalidAccessKeyId',
               self.wrong_access_key),
              ('responses carry x-amz-request-id', self.request_ids),
              ('empty and delete both buckets', self.cleanup),
              ('list_buckets no longer shows them', self.buckets_gone)]
        return t

    # --- buckets -----------------------------------------------------------

    def create_bucket(self):
        self.s3.create_bucket(Bucket=self.bucket)
        self.s3.create_bucket(Bucket=self.lbucket)

    def list_buckets(self):
        names = [b['Name'] for b in self.s3.list_buckets()['Buckets']]
        expect(self.bucket in names and self.lbucket in names,
               'buckets listed: %r' % names)

    def head_bucket(self):
        r = self.s3.head_bucket(Bucket=self.bucket)
        expect(r['ResponseMetadata']['HTTPStatusCode'] == 200)

    # --- objects of each size ------------------------------------------------

    def put_size(self, n):
        data = os.urandom(n)
        key = 'size/%d' % n
        md5 = hashlib.md5(data).hexdigest()
        r = self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        self.objects[key] = (hashlib.sha256(data).hexdigest(), md5, n)
        expect(r['ETag'] == '"%s"' % md5,
               'ETag %s, MD5 %s' % (r['ETag'], md5))

    def get_size(self, n):
        key = 'size/%d' % n
        sha, _, _ = self.objects[key]
        r = self.s3.get_object(Bucket=self.bucket, Key=key)
        data = r['Body'].read()
        expect(len(data) == n, 'got %d bytes' % len(data))
        expect(r['ContentLength'] == n,
               'Content-Length %s' % r['ContentLength'])
        expect(hashlib.sha256(data).hexdigest() == sha, 'SHA-256 differs')

    def head_size(self, n):
        key = 'size/%d' % n
        _, md5, _ = self.objects[key]
        r = self.s3.head_object(Bucket=self.bucket, Key=key)
        expect(r['ContentLength'] == n,
               'ContentLength %s' % r['ContentLength'])
        expect(r['ETag'] == '"%s"' % md5, 'ETag %s, MD5 %s' % (r['ETag'], md5))
        expect('LastModified' in r, 'no Last-Modified')

    def list_sizes(self):
        keys = {}
        for page in self.s3.get_paginator('list_objects_v2').paginate(
                Bucket=self.bucket, Prefix='size/'):
            for c in page.get('Contents', []):
                keys[c['Key']] = c
        expect(set(keys) == set(self.objects), 'listed %r' % sorted(keys))
        for k, (_, md5, n) in self.objects.items():
            expect(keys[k]['Size'] == n and keys[k]['ETag'] == '"%s"' % md5,
                   '%s: Size %s ETag %s, want %d "%s"' % (
                       k, keys[k]['Size'], keys[k]['ETag'], n, md5))

    # --- keys and listings ---------------------------------------------------

    def put_keys(self):
        """put_keys stores every key it can, so that one bad key fails
        this check and not every listing after it."""
        bad = []
        for k in ALL_KEYS:
            try:
                self.s3.put_object(Bucket=self.lbucket, Key=k,
                                   Body=k.encode())
                self.stored.append(k)
            except ClientError as e:
                bad.append('%r: %s' % (k, e))
        expect(not bad, 'failed puts:', *bad)

    def get_special(self):
        bad = []
        for k in SPECIAL_KEYS:
            if k not in self.stored:
                continue
            try:
                got = body_of(self.s3, self.lbucket, k)
                if got != k.encode():
                    bad.append('%r: body %r' % (k, got[:80]))
            except ClientError as e:
                bad.append('%r: %s' % (k, e))
        expect(self.stored and not bad, 'failed gets:', *bad)

    def listing(self, page, prefix='', delimiter=None):
        kw = {'Prefix': prefix, 'PaginationConfig': {'PageSize': page}}
        if delimiter:
            kw['Delimiter'] = delimiter
        keys, prefixes = list_keys(self.s3, self.lbucket, **kw)
        want_keys, want_prefixes = expected_listing(self.stored, prefix,
                                                    delimiter)
        expect_listing(keys, want_keys, 'keys')
        expect_listing(prefixes, want_prefixes, 'common prefixes')

    def max_keys(self):
        r = self.s3.list_objects_v2(Bucket=self.lbucket, MaxKeys=3)
        got = [c['Key'] for c in r.get('Contents', [])]
        ordered = sorted(self.stored, key=lambda k: k.encode())
        want = ordered[:3]
        expect(got == want, 'got %r, want %r' % (got, want))
        expect(r['IsTruncated'] and r.get('NextContinuationToken'),
               'not truncated, or no token')
        expect(r.get('MaxKeys') == 3, 'MaxKeys %s' % r.get('MaxKeys'))
        r = self.s3.list_objects_v2(
            Bucket=self.lbucket, MaxKeys=3,
            ContinuationToken=r['NextContinuationToken'])
        got = [c['Key'] for c in r.get('Contents', [])]
        want = ordered[3:6]
        expect(got == want, 'page 2: got %r, want %r' % (got, want))

    # --- deletes and errors --------------------------------------------------

    def head_missing(self):
        expect_error('404', 404, self.s3.head_object, Bucket=self.bucket,
                     Key='no/such/key')

    def delete_object(self):
        r = self.s3.delete_object(Bucket=self.bucket, Key='size/1')
        expect(r['ResponseMetadata']['HTTPStatusCode'] == 204,
               'status %s' % r['ResponseMetadata']['HTTPStatusCode'])
        del self.objects['size/1']

    def get_deleted(self):
        expect_error('NoSuchKey', 404, self.s3.get_object,
                     Bucket=self.bucket, Key='size/1')

    def delete_missing(self):
        r = self.s3.delete_object(Bucket=self.bucket, Key='never/was')
        expect(r['ResponseMetadata']['HTTPStatusCode'] == 204,
               'status %s' % r['ResponseMetadata']['HTTPStatusCode'])

    def no_such_bucket_get(self):
        expect_error('NoSuchBucket', 404, self.s3.get_object,
                     Bucket='no-such-bucket-' + self.bucket, Key='k')

    def no_such_bucket_put(self):
        expect_error('NoSuchBucket', 404, self.s3.put_object,
                     Bucket='no-such-bucket-' + self.bucket, Key='k',
                     Body=b'x')

    def no_such_bucket_list(self):
        expect_error('NoSuchBucket', 404, self.s3.list_objects_v2,
                     Bucket='no-such-bucket-' + self.bucket)

    def head_bucket_missing(self):
        expect_error('404', 404, self.s3.head_bucket,
                     Bucket='no-such-bucket-' + self.bucket)

    def bad_bucket_name(self):
        expect_error('InvalidBucketName', 400, self.s3.create_bucket,
                     Bucket='Bad_Bucket_Name')

    def bucket_not_empty(self):
        expect_error('BucketNotEmpty', 409, self.s3.delete_bucket,
                     Bucket=self.bucket)

    def wrong_secret(self):
        bad = client(self.endpoint, os.environ['AWS_ACCESS_KEY_ID'],
                     os.environ['AWS_SECRET_ACCESS_KEY'] + 'x')
        expect_error('SignatureDoesNotMatch', 403, bad.list_buckets)
        expect_error('SignatureDoesNotMatch', 403, bad.get_object,
                     Bucket=self.bucket, Key='size/0')

    def wrong_access_key(self):
        bad = client(self.endpoint, 'AKIANOSUCHKEY0000000',
                     os.environ['AWS_SECRET_ACCESS_KEY'])
        expect_error('InvalidAccessKeyId', 403, bad.list_buckets)

    def request_ids(self):
        r = self.s3.head_bucket(Bucket=self.bucket)
        expect(r['ResponseMetadata'].get('RequestId'), 'none on 200')
        try:
            self.s3.get_object(Bucket=self.bucket, Key='no/such/key')
        except ClientError as e:
            meta = e.response['ResponseMetadata']
            body_id = e.response['Error'].get('RequestId')
            expect(meta.get('RequestId'), 'none on 404')
            expect(body_id in (None, meta['RequestId']),
                   'error body RequestId %s, header %s' % (
                       body_id, meta['RequestId']))
            return
        raise Failed('get_object of a missing key succeeded')

    def cleanup(self):
        for b in (self.bucket, self.lbucket):
            keys, _ = list_keys(self.s3, b)
            for k in keys:
                self.s3.delete_object(Bucket=b, Key=k)
            keys, _ = list_keys(self.s3, b)
            expect(not keys, '%s: still holds %r' % (b, keys[:10]))
            self.s3.delete_bucket(Bucket=b)

    def buckets_gone(self):
        names = [b['Name'] for b in self.s3.list_buckets()['Buckets']]
        expect(self.bucket not in names and self.lbucket not in names,
               'buckets listed: %r' % names)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit('usage: s3check.py ENDPOINT_URL [INLINE_MAX]')
    inline_max = int(sys.argv[2]) if len(sys.argv) == 3 else 16384
    checks = Checks(sys.argv[1], inline_max)
    return s3tap.run_expect(checks.tests(), bail=(
        NoCredentialsError, EndpointConnectionError))


if __name__ == '__main__':
    sys.exit(main())
