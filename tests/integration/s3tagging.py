#!/usr/bin/python3
"""s3tagging.py - object tagging through boto3.

Usage: s3tagging.py ENDPOINT_URL

Prints TAP.  Each check is one line; a check that raises fails alone.
"""

import sys

import s3tap

BUCKET = 'tag-bucket'


def main():
    s3 = s3tap.client(sys.argv[1])
    s3.create_bucket(Bucket=BUCKET)
    g = dict(Bucket=BUCKET, Key='obj')
    s3.put_object(Body=b'tagged' * 400000, Tagging='a=1&b=two%20words', **g)
    before = s3.head_object(**g)

    def tags(**kw):
        return [(t['Key'], t['Value'])
                for t in s3.get_object_tagging(**kw)['TagSet']]

    def put_tags(pairs, **kw):
        return s3.put_object_tagging(Tagging={'TagSet': [
            {'Key': k, 'Value': v} for k, v in pairs]}, **kw)

    def replace_keeps_object():
        put_tags([('colour', 'blue'), ('\u00e9t\u00e9', 'x & <y>'),
                  ('empty', '')], **g)
        after = s3.head_object(**g)
        return (tags(**g) == [('colour', 'blue'), ('\u00e9t\u00e9', 'x & <y>'),
                              ('empty', '')] and
                after['ETag'] == before['ETag'] and
                after['LastModified'] == before['LastModified'] and
                s3.get_object(**g)['TagCount'] == 3)

    def copies():
        s3.copy_object(Bucket=BUCKET, Key='c1',
                       CopySource={'Bucket': BUCKET, 'Key': 'obj'})
        s3.copy_object(Bucket=BUCKET, Key='c2', TaggingDirective='REPLACE',
                       Tagging='x=y', CopySource={'Bucket': BUCKET,
                                                  'Key': 'obj'})
        s3.copy_object(Bucket=BUCKET, Key='c3', MetadataDirective='REPLACE',
                       CopySource={'Bucket': BUCKET, 'Key': 'obj'})
        return (tags(Bucket=BUCKET, Key='c1') == tags(**g) and
                tags(Bucket=BUCKET, Key='c2') == [('x', 'y')] and
                tags(Bucket=BUCKET, Key='c3') == tags(**g))

    def multipart_keeps_parts():
        k = dict(Bucket=BUCKET, Key='mp')
        up = s3.create_multipart_upload(**k)['UploadId']
        body = [b'p' * (5 * 1024 * 1024), b'q' * 1000]
        parts = [{'PartNumber': n + 1, 'ETag': s3.upload_part(
            UploadId=up, PartNumber=n + 1, Body=b, **k)['ETag']}
            for n, b in enumerate(body)]
        s3.complete_multipart_upload(UploadId=up, MultipartUpload={
            'Parts': parts}, **k)
        etag = s3.head_object(**k)['ETag']
        put_tags([('kind', 'parts')], **k)
        return (tags(**k) == [('kind', 'parts')] and
                s3.head_object(**k)['ETag'] == etag and
                s3.get_object(**k)['Body'].read() == b''.join(body))

    checks = [
        ('tagging an object uploaded in parts keeps it whole',
         multipart_keeps_parts),
        ('x-amz-tagging on PutObject is stored',
         lambda: tags(**g) == [('a', '1'), ('b', 'two words')]),
        ('GetObject shows the count', lambda: s3.get_object(**g)['TagCount']
         == 2),
        ('PutObjectTagging replaces the set and nothing else',
         replace_keeps_object),
        ('CopyObject copies the tags, or takes new ones with REPLACE',
         copies),
        ('DeleteObjectTagging empties the set',
         lambda: s3.delete_object_tagging(**g) and tags(**g) == [] and
         'TagCount' not in s3.get_object(**g)),
        ('11 tags is BadRequest',
         lambda: s3tap.code_of(put_tags, pairs=[('k%d' % i, 'v')
                                                for i in range(11)], **g)
         == 'BadRequest'),
        ('a key of 129 characters is InvalidTag',
         lambda: s3tap.code_of(put_tags, pairs=[('k' * 129, 'v')], **g)
         == 'InvalidTag'),
        ('a value of 257 characters is InvalidTag',
         lambda: s3tap.code_of(put_tags, pairs=[('k', 'v' * 257)], **g)
         == 'InvalidTag'),
        ('the same key twice is InvalidTag',
         lambda: s3tap.code_of(put_tags, pairs=[('k', '1'), ('k', '2')],
                               **g) == 'InvalidTag'),
        ('x-amz-tagging with 11 tags on PutObject is refused',
         lambda: s3tap.code_of(s3.put_object, Bucket=BUCKET, Key='t11',
                               Body=b'x', Tagging='&'.join(
                                   'k%d=v' % i for i in range(11)))
         == 'BadRequest'),
        ('tagging a missing key is NoSuchKey',
         lambda: s3tap.code_of(put_tags, pairs=[('k', 'v')], Bucket=BUCKET,
                               Key='nope') == 'NoSuchKey'),
        ('the refused requests left the set as it was',
         lambda: tags(**g) == []),
    ]
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
