#!/usr/bin/python3
"""s3copy.py - CopyObject through boto3.

Usage: s3copy.py ENDPOINT_URL

Prints TAP.  Each check is one line; a check that raises fails alone.
"""

import datetime
import hashlib
import sys

import boto3

import s3tap

BUCKET = 'copy-bucket'


def main():
    s3 = s3tap.client(sys.argv[1])
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket=BUCKET + '-2')
    small = b'small object ' * 10
    large = bytes(range(256)) * 12289       # 3 MiB + 256 bytes: coded
    odd = 'dir/a b+c%d \u00e9t\u00e9'
    for key, body in (('small', small), ('large', large), (odd, small)):
        s3.put_object(Bucket=BUCKET, Key=key, Body=body,
                      ContentType='text/x-src', Metadata={'colour': 'blue'})
    past = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)
    future = (datetime.datetime.now(datetime.timezone.utc) +
              datetime.timedelta(days=1))

    def copy(src, dst, bucket=BUCKET, **kw):
        return s3.copy_object(Bucket=bucket, Key=dst,
                              CopySource={'Bucket': BUCKET, 'Key': src}, **kw)

    def same(key, body, bucket=BUCKET):
        r = s3.get_object(Bucket=bucket, Key=key)
        return (hashlib.sha256(r['Body'].read()).digest() ==
                hashlib.sha256(body).digest())

    def copy_keeps(src, body):
        etag = copy(src, src + '.copy')['CopyObjectResult']['ETag']
        h = s3.head_object(Bucket=BUCKET, Key=src + '.copy')
        return (same(src + '.copy', body) and
                etag == s3.head_object(Bucket=BUCKET, Key=src)['ETag'] and
                h['ContentType'] == 'text/x-src' and
                h['Metadata'] == {'colour': 'blue'})

    def replace():
        copy('large', 'large.r', MetadataDirective='REPLACE',
             ContentType='text/x-new', Metadata={'shape': 'round'})
        h = s3.head_object(Bucket=BUCKET, Key='large.r')
        return (h['ContentType'] == 'text/x-new' and
                h['Metadata'] == {'shape': 'round'} and same('large.r', large))

    def onto_itself():
        copy('small', 'small', MetadataDirective='REPLACE',
             Metadata={'colour': 'red'})
        h = s3.head_object(Bucket=BUCKET, Key='small')
        return h['Metadata'] == {'colour': 'red'} and same('small', small)

    etag = s3.head_object(Bucket=BUCKET, Key='large')['ETag']
    big = bytes(range(251)) * 29000                 # 7 MiB - a little
    s3.put_object(Bucket=BUCKET, Key='big', Body=big)
    MiB = 1024 * 1024

    def part_copy(n, up, src, rng=None, **kw):
        if rng is not None:
            kw['CopySourceRange'] = rng
        return s3.upload_part_copy(
            Bucket=BUCKET, Key='errs', UploadId=up, PartNumber=n,
            CopySource={'Bucket': BUCKET, 'Key': src}, **kw)

    def assemble(key, specs):
        """assemble uploads key from parts copied as specs say."""
        up = s3.create_multipart_upload(Bucket=BUCKET, Key=key)['UploadId']
        parts = []
        for n, (src, rng) in enumerate(specs, 1):
            kw = {} if rng is None else {'CopySourceRange': rng}
            r = s3.upload_part_copy(
                Bucket=BUCKET, Key=key, UploadId=up, PartNumber=n,
                CopySource={'Bucket': BUCKET, 'Key': src}, **kw)
            parts.append({'PartNumber': n,
                          'ETag': r['CopyPartResult']['ETag']})
        s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up,
                                     MultipartUpload={'Parts': parts})

    def upload_part_copy():
        assemble('whole', [('big', None), ('small', None)])
        assemble('ranged', [('big', 'bytes=0-%d' % (5 * MiB - 1)),
                            ('big', 'bytes=%d-%d' % (5 * MiB, len(big) - 1))])
        assemble('again', [('ranged', 'bytes=0-%d' % (5 * MiB - 1)),
                           ('whole', 'bytes=%d-%d' % (5 * MiB,
                                                      len(big) + 9))])
        return (same('whole', big + small) and same('ranged', big) and
                same('again', big + small[:10]))

    def part_copy_errors():
        up = s3.create_multipart_upload(Bucket=BUCKET,
                                        Key='errs')['UploadId']
        got = (s3tap.code_of(part_copy, n=1, up=up, src='big',
                             rng='bytes=0-%d' % len(big)),
               s3tap.code_of(part_copy, n=1, up=up, src='big',
                             rng='bytes=5-1'),
               s3tap.code_of(part_copy, n=1, up=up, src='big',
                             rng='items=0-1'),
               s3tap.code_of(part_copy, n=1, up=up, src='big',
                             CopySourceIfMatch='"0"'),
               s3tap.code_of(part_copy, n=1, up=up, src='nope'),
               s3tap.code_of(part_copy, n=1, up='x' * 32, src='big'))
        s3.abort_multipart_upload(Bucket=BUCKET, Key='errs', UploadId=up)
        want = ('InvalidArgument', 'InvalidArgument', 'InvalidArgument',
                'PreconditionFailed', 'NoSuchKey', 'NoSuchUpload')
        if got != want:
            raise AssertionError('got %s, want %s' % (got, want))
        return True
    checks = [
        ('copy of an inline object keeps bytes, ETag and metadata',
         lambda: copy_keeps('small', small)),
        ('copy of an erasure-coded object keeps bytes, ETag and metadata',
         lambda: copy_keeps('large', large)),
        ('copy of a key with space, +, %% and unicode',
         lambda: copy(odd, 'odd.copy') and same('odd.copy', small)),
        ('copy to another bucket',
         lambda: copy('large', 'x', bucket=BUCKET + '-2') and
         same('x', large, bucket=BUCKET + '-2')),
        ('REPLACE takes the request\'s metadata', replace),
        ('copy onto itself without REPLACE is InvalidRequest',
         lambda: s3tap.code_of(copy, src='small', dst='small') ==
         'InvalidRequest'),
        ('copy onto itself with REPLACE changes the metadata', onto_itself),
        ('x-amz-copy-source-if-match with its ETag copies',
         lambda: copy('large', 'c1', CopySourceIfMatch=etag) is not None),
        ('x-amz-copy-source-if-match with another ETag is 412',
         lambda: s3tap.code_of(copy, src='large', dst='c2',
                         CopySourceIfMatch='"0"') == 'PreconditionFailed'),
        ('x-amz-copy-source-if-none-match with its ETag is 412',
         lambda: s3tap.code_of(copy, src='large', dst='c2',
                         CopySourceIfNoneMatch=etag) == 'PreconditionFailed'),
        ('x-amz-copy-source-if-modified-since the future is 412',
         lambda: s3tap.code_of(copy, src='large', dst='c2',
                         CopySourceIfModifiedSince=future)
         == 'PreconditionFailed'),
        ('x-amz-copy-source-if-unmodified-since the past is 412',
         lambda: s3tap.code_of(copy, src='large', dst='c2',
                         CopySourceIfUnmodifiedSince=past)
         == 'PreconditionFailed'),
        ('...and none of the refused copies exists',
         lambda: s3tap.code_of(s3.head_object, Bucket=BUCKET, Key='c2') == '404'),
        ('UploadPartCopy: whole and ranged parts of coded, inline and '
         'multipart sources, assembled', upload_part_copy),
        ('UploadPartCopy: bad ranges, conditions, sources and uploads',
         part_copy_errors),
        ('a missing source key is NoSuchKey',
         lambda: s3tap.code_of(copy, src='nope', dst='z') == 'NoSuchKey'),
        ('a missing destination bucket is NoSuchBucket',
         lambda: s3tap.code_of(copy, src='large', dst='z',
                         bucket='copy-none') == 'NoSuchBucket'),
        ('a missing source bucket is NoSuchBucket',
         lambda: s3tap.code_of(s3.copy_object, Bucket=BUCKET, Key='z',
                         CopySource={'Bucket': 'copy-none', 'Key': 'k'})
         == 'NoSuchBucket'),
    ]
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
