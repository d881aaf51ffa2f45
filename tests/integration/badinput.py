#!/usr/bin/python3
"""badinput.py - hostile and broken requests get S3's errors, change nothing.

Usage: badinput.py HOST PORT

Sends raw HTTP where clients would refuse to, signing with the same SigV4
code path as botocore (botocore.auth.S3SigV4Auth).  Before and after, the
bucket's listing and every object's bytes are recorded: nothing may have
changed.  Prints TAP.
"""

import base64
import hashlib
import socket
import sys

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError

import s3tap

HOST, PORT = sys.argv[1], int(sys.argv[2])
ENDPOINT = 'http://%s:%d' % (HOST, PORT)
BUCKET = 'bad-input'


def signed_headers(method, path, headers, body=b''):
    """signed_headers returns headers with a SigV4 Authorization added,
    signing the SHA-256 of body (over plain HTTP botocore always signs
    the payload)."""
    s = boto3.session.Session()
    creds = s.get_credentials()
    req = AWSRequest(method=method, url=ENDPOINT + path, headers=headers,
                     data=body)
    S3SigV4Auth(creds, 's3', 'us-east-1').add_auth(req)
    return dict(req.headers.items())


def raw(method, path, headers, body=b'', close_after=False, sign=True):
    """raw sends one request on a fresh connection; returns (status, text)."""
    if sign:
        headers = signed_headers(method, path, headers, body)
    lines = ['%s %s HTTP/1.1' % (method, path), 'Host: %s:%d' % (HOST, PORT)]
    lines += ['%s: %s' % kv for kv in headers.items() if kv[0] != 'host']
    data = ('\r\n'.join(lines) + '\r\n\r\n').encode() + body
    sock = socket.create_connection((HOST, PORT), timeout=20)
    try:
        sock.sendall(data)
        if close_after:
            sock.shutdown(socket.SHUT_WR)
        got = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
            if b'\r\n\r\n' in got and close_after is False and \
                    b'Content-Length' in got.split(b'\r\n\r\n')[0]:
                head, rest = got.split(b'\r\n\r\n', 1)
                n = [int(l.split(b':')[1]) for l in head.split(b'\r\n')
                     if l.lower().startswith(b'content-length')][0]
                if len(rest) >= n:
                    break
    except (ConnectionResetError, socket.timeout):
        got = got if 'got' in dir() else b''
    finally:
        sock.close()
    if not got:
        return (0, '')
    status = int(got.split(b' ', 2)[1])
    return (status, got.decode('latin-1'))


def doctype_put(path, root):
    """doctype_put PUTs a document of element root that declares entities
    (a small billion laughs) and returns the error code it gets."""
    body = ('<?xml version="1.0"?><!DOCTYPE %s [<!ENTITY a "aaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><%s>&b;</%s>'
            % (root, root, root)).encode()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    return code_in(raw('PUT', path, {'Content-Length': str(len(body)),
                                     'Content-MD5': md5}, body)[1])


def code_in(text):
    if '<Code>' not in text:
        return None
    return text.split('<Code>', 1)[1].split('</Code>', 1)[0]


def state(s3):
    """state maps every key of the bucket to the SHA-256 of its bytes."""
    out = {}
    for page in s3.get_paginator('list_objects_v2').paginate(Bucket=BUCKET):
        for o in page.get('Contents', []):
            body = s3.get_object(Bucket=BUCKET, Key=o['Key'])['Body'].read()
            out[o['Key']] = hashlib.sha256(body).hexdigest()
    return out


def main():
    s3 = s3tap.client(ENDPOINT)
    s3.create_bucket(Bucket=BUCKET)
    for key, n in (('small', 100), ('coded', 3000000)):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b'k' * n)
    before = state(s3)
    long_key = 'k' * 1025
    big_meta = {'m%d' % i: 'v' * 200 for i in range(12)}

    def expect_code(code, fn, **kw):
        try:
            fn(**kw)
        except ClientError as e:
            return e.response['Error']['Code'] == code
        return False

    checks = [
        ('a key of 1025 bytes is KeyTooLongError',
         lambda: expect_code('KeyTooLongError', s3.put_object,
                             Bucket=BUCKET, Key=long_key, Body=b'x')),
        ('an invalid bucket name is InvalidBucketName',
         lambda: expect_code('InvalidBucketName', s3.create_bucket,
                             Bucket='Bad_Bucket')),
        ('user metadata over 2 KiB is MetadataTooLarge',
         lambda: expect_code('MetadataTooLarge', s3.put_object,
                             Bucket=BUCKET, Key='small', Body=b'new',
                             Metadata=big_meta)),
        ('an unsatisfiable range is InvalidRange',
         lambda: expect_code('InvalidRange', s3.get_object, Bucket=BUCKET,
                             Key='small', Range='bytes=500-600')),
        ('a negative max-keys is InvalidArgument',
         lambda: code_in(raw('GET', '/%s?list-type=2&max-keys=-1' % BUCKET,
                             {})[1]) == 'InvalidArgument'),
        ('a wrong Content-MD5 is BadDigest',
         lambda: code_in(raw('PUT', '/%s/small' % BUCKET,
                             {'Content-Length': '3',
                              'Content-MD5': 'AAAAAAAAAAAAAAAAAAAAAA=='},
                             b'new')[1]) == 'BadDigest'),
        ('a malformed Content-MD5 is InvalidDigest',
         lambda: code_in(raw('PUT', '/%s/small' % BUCKET,
                             {'Content-Length': '3', 'Content-MD5': 'xyz'},
                             b'new')[1]) == 'InvalidDigest'),
        ('a wrong x-amz-content-sha256 is XAmzContentSHA256Mismatch',
         lambda: code_in(raw('PUT', '/%s/small' % BUCKET, signed_headers(
             'PUT', '/%s/small' % BUCKET, {'Content-Length': '3'},
             b'old'), b'new', sign=False)[1])
         == 'XAmzContentSHA256Mismatch'),
        ('a request signed with another secret is SignatureDoesNotMatch',
         lambda: code_in(raw('PUT', '/%s/small' % BUCKET, dict(
             signed_headers('PUT', '/%s/small' % BUCKET,
                            {'Content-Length': '3'}),
             **{'x-amz-date': '20300101T000000Z'}), b'new',
             sign=False)[1]) in ('SignatureDoesNotMatch',
                                 'RequestTimeTooSkewed')),
        ('an unsigned PUT is AccessDenied',
         lambda: code_in(raw('PUT', '/%s/small' % BUCKET,
                             {'Content-Length': '3'}, b'new',
                             sign=False)[1]) == 'AccessDenied'),
        ('a 64 KiB header is RequestHeaderSectionTooLarge',
         lambda: code_in(raw('GET', '/%s/small' % BUCKET,
                             {'X-Huge': 'h' * 65536})[1])
         == 'RequestHeaderSectionTooLarge'),
        ('a PUT whose body stops short is not stored',
         lambda: raw('PUT', '/%s/small' % BUCKET,
                     {'Content-Length': '1000000'}, b'z' * 1000,
                     close_after=True)[0] in (0, 400)),
        ('a PATCH is MethodNotAllowed',
         lambda: code_in(raw('PATCH', '/%s/small' % BUCKET,
                             {'Content-Length': '0'})[1])
         == 'MethodNotAllowed'),
        ('a versioning document with a DOCTYPE is MalformedXML',
         lambda: doctype_put('/%s?versioning' % BUCKET,
                             'VersioningConfiguration') == 'MalformedXML'),
        ('a bucket tag set with a DOCTYPE is MalformedXML',
         lambda: doctype_put('/%s?tagging' % BUCKET, 'Tagging')
         == 'MalformedXML'),
        ('an object tag set with a DOCTYPE is MalformedXML',
         lambda: doctype_put('/%s/small?tagging' % BUCKET, 'Tagging')
         == 'MalformedXML'),
        ('an ACL with a DOCTYPE is MalformedACLError',
         lambda: doctype_put('/%s?acl' % BUCKET, 'AccessControlPolicy')
         == 'MalformedACLError'),
        ('a versioning document other than the one signed is '
         'XAmzContentSHA256Mismatch',
         lambda: code_in(raw('PUT', '/%s?versioning' % BUCKET, signed_headers(
             'PUT', '/%s?versioning' % BUCKET, {'Content-Length': '4'},
             b'<a/>'), b'<b/>', sign=False)[1])
         == 'XAmzContentSHA256Mismatch'),
        ('the server still answers', lambda: s3.head_bucket(Bucket=BUCKET)),
        ('after all that, the listing and every byte are unchanged',
         lambda: state(s3) == before),
    ]
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
