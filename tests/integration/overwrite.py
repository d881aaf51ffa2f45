#!/usr/bin/python3
"""overwrite.py - GETs that race an overwrite or a delete of their object.

usage: overwrite.py ENDPOINT DATA_DIR

A GET reads an object's record once and then its stripes.  The shards of
the version it reads must outlive an overwrite or a delete that commits
in the middle: [gatewayd] delete_delay keeps them.  Prints TAP.
"""

import hashlib
import os
import pathlib
import sys
import time

import s3tap

BUCKET = 'race'
SIZE = 24 << 20         # 24 stripes: far more than the socket buffers hold
FIRST = 1 << 20         # read before the overwrite


def shard_files(data):
    """shard_files counts the shard files of every drive."""
    return sum(1 for p in pathlib.Path(data, 'drives').glob('*/shards/**/*')
               if p.is_file())


def race(s3, key, old, change):
    """race starts a GET of key, lets change() commit while the GET is in
    its first stripe, then reads the rest; True if the bytes are old."""
    body = s3.get_object(Bucket=BUCKET, Key=key)['Body']
    head = body.read(FIRST)
    change()
    rest = body.read()
    return hashlib.sha256(head + rest).digest() == hashlib.sha256(old).digest()


def main():
    endpoint, data = sys.argv[1], sys.argv[2]
    s3 = s3tap.client(endpoint)
    s3.create_bucket(Bucket=BUCKET)
    old, new = os.urandom(SIZE), os.urandom(SIZE)
    s3.put_object(Bucket=BUCKET, Key='a', Body=old)
    s3.put_object(Bucket=BUCKET, Key='b', Body=old)
    one = shard_files(data) // 2
    state = {}

    def overwrite():
        s3.put_object(Bucket=BUCKET, Key='a', Body=new)

    def delete():
        s3.delete_object(Bucket=BUCKET, Key='b')

    def after_delay():
        """the replaced shards go once the delay is over (bounded)."""
        for _ in range(100):
            state['files'] = shard_files(data)
            if state['files'] == one:
                return True
            time.sleep(0.1)
        print('# shard files: %d, want %d' % (state['files'], one))
        return False

    def new_bytes():
        got = s3.get_object(Bucket=BUCKET, Key='a')['Body'].read()
        return got == new

    checks = [
        ('a GET racing an overwrite returns the old bytes whole',
         lambda: race(s3, 'a', old, overwrite)),
        ('a GET racing a delete returns the old bytes whole',
         lambda: race(s3, 'b', old, delete)),
        ('right after, the replaced shards are still there',
         lambda: shard_files(data) == 3 * one),
        ('after delete_delay the replaced shards are deleted',
         after_delay),
        ('the new version reads back', new_bytes),
    ]
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
