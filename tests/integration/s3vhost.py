#!/usr/bin/python3
"""s3vhost.py - virtual-host-style addressing through boto3.

Usage: s3vhost.py PORT DOMAIN

Every name under DOMAIN is resolved to 127.0.0.1 inside this process, so
"bucket.DOMAIN" reaches the gateway without touching the system resolver.
Prints TAP.
"""

import socket
import sys

import boto3

import s3tap

PORT, DOMAIN = int(sys.argv[1]), sys.argv[2]
_getaddrinfo = socket.getaddrinfo


def loopback_getaddrinfo(host, *args, **kw):
    if host == DOMAIN or str(host).endswith('.' + DOMAIN):
        host = '127.0.0.1'
    return _getaddrinfo(host, *args, **kw)


socket.getaddrinfo = loopback_getaddrinfo


def main():
    vh = s3tap.client('http://%s:%d' % (DOMAIN, PORT), 'virtual')
    path = s3tap.client('http://127.0.0.1:%d' % PORT)
    body = bytes(range(256)) * 20000
    checks = [
        ('CreateBucket by virtual host',
         lambda: vh.create_bucket(Bucket='vhost-bucket') is not None),
        ('a bucket name with dots works by virtual host',
         lambda: vh.create_bucket(Bucket='vhost.dotted.bucket') is not None),
        ('HeadBucket by virtual host',
         lambda: vh.head_bucket(Bucket='vhost-bucket') is not None),
        ('PutObject by virtual host, key with slashes',
         lambda: vh.put_object(Bucket='vhost-bucket', Key='a/b c/d.bin',
                               Body=body) is not None),
        ('GetObject by virtual host returns the bytes',
         lambda: vh.get_object(Bucket='vhost-bucket', Key='a/b c/d.bin')
         ['Body'].read() == body),
        ('the same object by path style',
         lambda: path.get_object(Bucket='vhost-bucket', Key='a/b c/d.bin')
         ['Body'].read() == body),
        ('ListObjectsV2 by virtual host',
         lambda: [o['Key'] for o in vh.list_objects_v2(
             Bucket='vhost-bucket')['Contents']] == ['a/b c/d.bin']),
        ('ListBuckets at the bare domain lists both buckets',
         lambda: {'vhost-bucket', 'vhost.dotted.bucket'} <= {
             b['Name'] for b in vh.list_buckets()['Buckets']}),
        ('a missing bucket by virtual host is NoSuchBucket',
         lambda: s3tap.code_of(vh.get_object, Bucket='vhost-none', Key='k')
         == 'NoSuchBucket'),
        ('DeleteObject and DeleteBucket by virtual host',
         lambda: vh.delete_object(Bucket='vhost-bucket', Key='a/b c/d.bin')
         and vh.delete_bucket(Bucket='vhost-bucket') is not None and
         s3tap.code_of(path.head_bucket, Bucket='vhost-bucket') == '404'),
    ]
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
