#!/usr/bin/python3
"""s3delete.py - DeleteObjects through boto3.

Usage: s3delete.py ENDPOINT_URL

Prints TAP.  Each check is one line; a check that raises fails alone.
"""

import sys
import traceback

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

BUCKET = 'delete-bucket'


def client(endpoint):
    conf = Config(s3={'addressing_style': 'path'},
                  retries={'total_max_attempts': 1})
    return boto3.client('s3', endpoint_url=endpoint, config=conf,
                        region_name='us-east-1')


def code_of(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response.get('Error', {}).get('Code')
    return None


def keys_of(s3):
    r = s3.list_objects_v2(Bucket=BUCKET)
    return sorted(o['Key'] for o in r.get('Contents', []))


def main():
    s3 = client(sys.argv[1])
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

    checks = [
        ('DeleteObjects lists every key it deleted, a missing one too',
         loud),
        ('Quiet mode lists nothing and deletes everything', quiet),
        ('1001 keys is MalformedXML',
         lambda: code_of(s3.delete_objects, Bucket=BUCKET, Delete={
             'Objects': [{'Key': 'k%d' % i} for i in range(1001)]})
         == 'MalformedXML'),
        ('a missing bucket is NoSuchBucket',
         lambda: code_of(s3.delete_objects, Bucket='delete-none', Delete={
             'Objects': [{'Key': 'k'}]}) == 'NoSuchBucket'),
    ]
    print('1..%d' % len(checks))
    failed = 0
    for n, (name, fn) in enumerate(checks, 1):
        try:
            good = bool(fn())
        except Exception:   # pylint: disable=broad-except
            good = False
            for line in traceback.format_exc().splitlines():
                print('# ' + line)
        failed += not good
        print('%sok %d - %s' % ('' if good else 'not ', n, name))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
