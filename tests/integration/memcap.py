"""memcap.py - concurrent PUTs and GETs against [gatewayd] max_memory

usage: memcap.py ENDPOINT BUCKET PREFIX THREADS

Stores THREADS distinct 1 MiB objects one at a time (erasure coded, so
each request holds a stripe buffer), then overwrites them all at once
with new bodies, then GETs them all at once, then reads every object
back alone: it must hold the new body if its overwrite succeeded, else
the old one.  Prints one JSON object:
put_ok, put_slowdown, get_ok, get_slowdown, other (any other outcome:
must stay empty), bad_bodies (objects stored but read back wrong).
"""
import hashlib
import json
import os
import sys
import threading

from botocore.exceptions import ClientError

from s3tap import client


def outcome(fn):
    """outcome calls fn: 'ok', 'slowdown' (503 SlowDown) or a description."""
    try:
        fn()
        return 'ok'
    except ClientError as e:
        code = e.response.get('Error', {}).get('Code')
        status = e.response['ResponseMetadata']['HTTPStatusCode']
        if code == 'SlowDown' and status == 503:
            return 'slowdown'
        return '%s %s' % (status, code)
    except Exception as e:  # pylint: disable=broad-except
        return repr(e)


def burst(fns):
    """burst runs every fn on its own thread, all released at once."""
    res = [None] * len(fns)
    gate = threading.Barrier(len(fns))

    def one(i):
        gate.wait()
        res[i] = outcome(fns[i])
    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(fns))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return res


def main():
    ep, bucket, prefix, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    bodies = {'%s%03d' % (prefix, i): os.urandom(1 << 20) for i in range(n)}
    s3s = [client(ep) for _ in range(n)]
    keys = sorted(bodies)
    for k in keys:
        s3s[0].put_object(Bucket=bucket, Key=k, Body=bodies[k])
    new = {k: os.urandom(1 << 20) for k in keys}
    puts = burst([lambda s3=s3s[i], k=k: s3.put_object(
        Bucket=bucket, Key=k, Body=new[k]) for i, k in enumerate(keys)])
    for k, r in zip(keys, puts):
        if r == 'ok':
            bodies[k] = new[k]
    gets = burst([lambda s3=s3s[i], k=k: s3.get_object(
        Bucket=bucket, Key=k)['Body'].read() for i, k in enumerate(keys)])
    bad = []
    for k in keys:
        got = s3s[0].get_object(Bucket=bucket, Key=k)['Body'].read()
        if hashlib.sha256(got).digest() != hashlib.sha256(bodies[k]).digest():
            bad.append(k)
    other = [r for r in puts + gets if r not in ('ok', 'slowdown')]
    json.dump({'put_ok': puts.count('ok'), 'put_slowdown': puts.count('slowdown'),
               'get_ok': gets.count('ok'), 'get_slowdown': gets.count('slowdown'),
               'other': other, 'bad_bodies': bad}, sys.stdout)
    print()


if __name__ == '__main__':
    main()
