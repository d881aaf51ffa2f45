#!/usr/bin/python3
"""scrub_mp.py - multipart objects for the scrubbing test.

Usage: scrub_mp.py ENDPOINT_URL BUCKET STATE_DIR make|pending|complete|check

make puts the object "done" in two erasure-coded parts; pending starts
the upload "pending" and uploads its first part; complete finishes it;
check reads both objects back and compares them with what was sent.
What was sent, and the pending upload's id, are kept in STATE_DIR.
Exits 0 on success.
"""

import os
import sys

import s3tap

MiB = 1024 * 1024


def body(name, n):
    """body returns n bytes that depend on name, the same every time."""
    seed = sum(name.encode()) % 251
    return bytes((seed + i * 7) % 256 for i in range(251)) * (n // 251) + \
        b'x' * (n % 251)


def upload(s3, bucket, key, parts, complete=True, state=None):
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)['UploadId']
    done = []
    for n, data in enumerate(parts, 1):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=up,
                              PartNumber=n, Body=data)['ETag']
        done.append({'PartNumber': n, 'ETag': etag})
    if complete:
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up,
                                     MultipartUpload={'Parts': done})
    elif state is not None:
        with open(os.path.join(state, 'pending.id'), 'w') as f:
            f.write('%s %s\n' % (up, done[0]['ETag']))


def main():
    endpoint, bucket, state, what = sys.argv[1:5]
    s3 = s3tap.client(endpoint)
    done = [body('done1', 5 * MiB), body('done2', MiB + 17)]
    pending = [body('pending1', 5 * MiB), body('pending2', 3000)]
    if what == 'make':
        s3.create_bucket(Bucket=bucket)
        upload(s3, bucket, 'done', done)
    elif what == 'pending':
        upload(s3, bucket, 'pending', pending[:1], complete=False,
               state=state)
    elif what == 'complete':
        with open(os.path.join(state, 'pending.id')) as f:
            up, etag = f.read().split()
        etag2 = s3.upload_part(Bucket=bucket, Key='pending', UploadId=up,
                               PartNumber=2, Body=pending[1])['ETag']
        s3.complete_multipart_upload(
            Bucket=bucket, Key='pending', UploadId=up, MultipartUpload={
                'Parts': [{'PartNumber': 1, 'ETag': etag},
                          {'PartNumber': 2, 'ETag': etag2}]})
    elif what == 'check':
        for key, parts in (('done', done), ('pending', pending)):
            got = s3.get_object(Bucket=bucket, Key=key)['Body'].read()
            if got != b''.join(parts):
                print('%s differs' % key)
                return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
