#!/usr/bin/python3
"""s3delete.py - DeleteObjects through boto3.

Usage: s3delete.py ENDPOINT_URL

Prints TAP.  Each check is one line; a check that raises fails alone.
"""

import sys

import boto3

import s3tap

BUCKET = 'delete-bucket'


def keys_of(s3):
    r = s3.list_objects_v2(Bucket=BUCKET)
    return sorted(o['Key'] for o in r.get('Contents', []))


def main():
    s3 = s3tap.client(sys.argv[1])
    s3.create_bucket(Bucket=BUCKET)
    names = ['a', 'b/c', 'x & <y>', 'caf\u00e9', 'big']
    for k in names:
        s3.put_object(Bucket=BUCKET, Key=k,
                      Body=b'z' * (3000000 if k == 'big' else 10))

    def delete(keys, quiet=False):
        return s3.delete_objects(Bucket=BUCKET, Delete={
            'Objects': [{'Key': k} for k in keys], 'Quiet': quiet})

    def loud():
        r = delete(['a', 'x & <y>', 'big', 'never-there'])
        got = sorted(d['Key'] for d in r.get('Deleted', []))
        return (got == sorted(['a', 'x & <y>', 'big', 'never-there']) and
                not r.get('Errors') and keys_of(s3) == ['b/c', 'caf\u00e9'])

    def quiet():
        r = delete(['b/c', 'caf\u00e9'], quiet=True)
        return (not r.get('Deleted') and not r.get('Errors') and
                keys_of(s3) == [])

    def many():
        """More keys than are out at once (64), one with a bad version:
        each is answered once, in the order asked."""
        keys = ['m%03d' % i for i in range(150)]
        for k in keys:
            s3.put_object(Bucket=BUCKET, Key=k, Body=b'm')
        objs = [{'Key': k} for k in keys]
        objs.insert(70, {'Key': 'm070', 'VersionId': 'not-a-version'})
        r = s3.delete_objects(Bucket=BUCKET, Delete={'Objects': objs})
        got = [d['Key'] for d in r.get('Deleted', [])]
        errs = [e['Key'] for e in r.get('Errors', [])]
        return got == keys and errs == ['m070'] and keys_of(s3) == []

    checks = [
        ('DeleteObjects lists every key it deleted, a missing one too',
         loud),
        ('Quiet mode lists nothing and deletes everything', quiet),
        ('150 keys and a bad version: each answered, in order', many),
        ('1001 keys is MalformedXML',
         lambda: s3tap.code_of(s3.delete_objects, Bucket=BUCKET, Delete={
             'Objects': [{'Key': 'k%d' % i} for i in range(1001)]})
         == 'MalformedXML'),
        ('a missing bucket is NoSuchBucket',
         lambda: s3tap.code_of(s3.delete_objects, Bucket='delete-none', Delete={
             'Objects': [{'Key': 'k'}]}) == 'NoSuchBucket'),
    ]
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
