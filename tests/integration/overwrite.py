#!/usr/bin/python3
"""overwrite.py - GETs that race an overwrite, a delete or a lifecycle
expiry of their object.

usage: overwrite.py ENDPOINT DATA_DIR CAIRN DAY

A GET reads an object's record once and then its stripes.  The shards of
the version it reads must outlive an overwrite or a delete that commits
in the middle, or a noncurrent version's expiry by cairn-scrubd (run with
CAIRN lifecycle run; DAY is [scrubd] lifecycle_day): [gatewayd]
delete_delay keeps them.  Prints TAP.
"""

import hashlib
import json
import os
import pathlib
import subprocess
import sys
import time

import s3tap

BUCKET = 'race'
VBUCKET = 'race-versions'
SIZE = 24 << 20         # 24 stripes: far more than the socket buffers hold
FIRST = 1 << 20         # read before the overwrite
NONCURRENT = {'Rules': [{'ID': 'nc', 'Filter': {'Prefix': ''},
                         'Status': 'Enabled',
                         'NoncurrentVersionExpiration': {
                             'NoncurrentDays': 1}}]}


def shard_set(data):
    """shard_set lists the shard files of every drive."""
    return {p for p in pathlib.Path(data, 'drives').glob('*/shards/**/*')
            if p.is_file()}


def shard_files(data):
    """shard_files counts the shard files of every drive."""
    return len(shard_set(data))


def spares(cairn, data):
    """spares returns the spare files of every drive, and the sum of the
    chunkd status counters that count them."""
    files = [p for p in pathlib.Path(data, 'drives').glob('*/spare/*')
             if p.is_file()]
    out = subprocess.run([cairn, '-f', os.path.join(data, 'cairn.conf'),
                          '--json', 'status'], check=True,
                         capture_output=True, text=True).stdout
    counted = sum(d.get('stats', {}).get('spares', 0)
                  for d in json.loads(out)['daemons'])
    return files, counted


def gone_within(paths, data):
    """gone_within polls (bounded) until no file of paths is left."""
    for _ in range(100):
        left = paths & shard_set(data)
        if not left:
            return True
        time.sleep(0.1)
    print('# %d shard files left' % len(left))
    return False


def lifecycle_run(cairn, data):
    """lifecycle_run runs a lifecycle pass; returns the versions expired."""
    out = subprocess.run([cairn, '-f', os.path.join(data, 'cairn.conf'),
                          'lifecycle', 'run', '--json'], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)['stats']['noncurrent_expired']


def versions_setup(s3, data, day, old, state):
    """versions_setup writes old and then a newer version of key v, and
    waits until old is due for NoncurrentDays 1 (a whole day after the
    newer version's whole second, rounded up to a day)."""
    s3.create_bucket(Bucket=VBUCKET)
    s3.put_bucket_versioning(Bucket=VBUCKET, VersioningConfiguration={
        'Status': 'Enabled'})
    before = shard_set(data)
    state['vid'] = s3.put_object(Bucket=VBUCKET, Key='v',
                                 Body=old)['VersionId']
    state['shards'] = shard_set(data) - before
    s3.put_object(Bucket=VBUCKET, Key='v', Body=b'newer')
    made = int(s3.head_object(Bucket=VBUCKET, Key='v')[
        'LastModified'].timestamp())
    s3.put_bucket_lifecycle_configuration(Bucket=VBUCKET,
                                          LifecycleConfiguration=NONCURRENT)
    while time.time() < (made + 1 + 2 * day) // day * day:
        time.sleep(0.1)
    return len(state['shards']) > 0


def race(s3, key, old, change, **kw):
    """race starts a GET of key, lets change() commit while the GET is in
    its first stripe, then reads the rest; True if the bytes are old."""
    body = s3.get_object(Bucket=kw.pop('bucket', BUCKET), Key=key,
                         **kw)['Body']
    head = body.read(FIRST)
    change()
    rest = body.read()
    return hashlib.sha256(head + rest).digest() == hashlib.sha256(old).digest()


def main():
    endpoint, data, cairn, day = sys.argv[1], sys.argv[2], sys.argv[3], \
        int(sys.argv[4])
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

    def kept_empty():
        """the two objects' shard files were kept, emptied."""
        files, counted = spares(cairn, data)
        state['spares'] = counted
        if len(files) == 2 * one and counted == 2 * one and \
                all(f.stat().st_size == 0 for f in files):
            return True
        print('# %d spare files, %d counted, want %d' %
              (len(files), counted, 2 * one))
        return False

    def spares_taken():
        """the versions written since took spares for their shards."""
        files, counted = spares(cairn, data)
        return counted == len(files) and counted < state['spares']

    def expire():
        state['expired'] = lifecycle_run(cairn, data)

    def expiry_race():
        return race(s3, 'v', old, expire, bucket=VBUCKET,
                    VersionId=state['vid']) and state['expired'] == 1

    def expired_kept():
        return s3tap.code_of(s3.head_object, Bucket=VBUCKET, Key='v',
                             VersionId=state['vid']) is not None and \
            state['shards'] <= shard_set(data)

    checks = [
        ('a GET racing an overwrite returns the old bytes whole',
         lambda: race(s3, 'a', old, overwrite)),
        ('a GET racing a delete returns the old bytes whole',
         lambda: race(s3, 'b', old, delete)),
        ('right after, the replaced shards are still there',
         lambda: shard_files(data) == 3 * one),
        ('after delete_delay the replaced shards are deleted',
         after_delay),
        ('their files are kept, emptied, as spares', kept_empty),
        ('the new version reads back', new_bytes),
        ('a noncurrent version due for expiry is set up',
         lambda: versions_setup(s3, data, day, old, state)),
        ('its shards were written in spare files', spares_taken),
        ('a GET of it racing its expiry by scrubd returns its bytes whole',
         expiry_race),
        ('right after, the version is gone but its shards are still there',
         expired_kept),
        ('after delete_delay scrubd has deleted its shards',
         lambda: gone_within(state['shards'], data)),
    ]
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
