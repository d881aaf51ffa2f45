#!/usr/bin/python3
"""s3cond.py - conditional GET/HEAD/PUT and response-* overrides, by boto3.

Usage: s3cond.py ENDPOINT_URL

Prints TAP.  Each check is one line; a check that raises fails alone.
"""

import datetime
import sys

import boto3

import s3tap

BUCKET = 'cond-bucket'


def put_with(s3, headers, **kw):
    """put_with runs PutObject with extra (signed) request headers."""
    def add(request, **_):
        for name, value in headers.items():
            request.headers[name] = value
    s3.meta.events.register('before-sign.s3.PutObject', add)
    try:
        return s3.put_object(**kw)
    finally:
        s3.meta.events.unregister('before-sign.s3.PutObject', add)


def put_checks(s3):
    """put_checks covers conditional PUT on an inline and a coded object."""
    checks = []
    for key, body in (('cput-small', b'a' * 10), ('cput-large', b'b' * 2000000)):
        p = dict(Bucket=BUCKET, Key=key)
        checks += [
            ('%s: If-None-Match * creates a missing key' % key,
             lambda p=p, b=body: s3tap.status_of(
                 lambda **kw: put_with(s3, {'If-None-Match': '*'}, **kw),
                 Body=b, **p) == 200),
            ('%s: If-None-Match * on an existing key is 412' % key,
             lambda p=p: s3tap.code_of(
                 lambda **kw: put_with(s3, {'If-None-Match': '*'}, **kw),
                 Body=b'other', **p) == 'PreconditionFailed'),
            ('%s: ...and the object is unchanged' % key,
             lambda p=p, b=body: s3.get_object(**p)['Body'].read() == b),
            ('%s: If-Match with another ETag is 412' % key,
             lambda p=p: s3tap.code_of(
                 lambda **kw: put_with(s3, {'If-Match': '"0123"'}, **kw),
                 Body=b'other', **p) == 'PreconditionFailed'),
            ('%s: If-Match with the current ETag replaces it' % key,
             lambda p=p: s3tap.status_of(
                 lambda **kw: put_with(
                     s3, {'If-Match': s3.head_object(**p)['ETag']}, **kw),
                 Body=b'new', **p) == 200 and
             s3.get_object(**p)['Body'].read() == b'new'),
        ]
    checks += [
        ('If-Match on a missing key is 404 NoSuchKey',
         lambda: s3tap.code_of(lambda **kw: put_with(s3, {'If-Match': '"0"'},
                                               **kw),
                         Bucket=BUCKET, Key='cput-none', Body=b'x')
         == 'NoSuchKey'),
        ('If-None-Match with an ETag is 501 NotImplemented',
         lambda: s3tap.code_of(lambda **kw: put_with(
             s3, {'If-None-Match': '"0"'}, **kw),
             Bucket=BUCKET, Key='cput-none', Body=b'x')
         == 'NotImplemented'),
    ]
    return checks


def main():
    s3 = s3tap.client(sys.argv[1])
    s3.create_bucket(Bucket=BUCKET)
    for key, body in (('small', b'x' * 100), ('large', b'y' * 3000000)):
        s3.put_object(Bucket=BUCKET, Key=key, Body=body,
                      ContentType='application/x-test')
    past = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)
    future = (datetime.datetime.now(datetime.timezone.utc) +
              datetime.timedelta(days=1))
    checks = []
    for key in ('small', 'large'):
        head = s3.head_object(Bucket=BUCKET, Key=key)
        etag = head['ETag']
        g = dict(Bucket=BUCKET, Key=key)
        checks += [
            ('%s: If-Match with its ETag is 200' % key,
             lambda g=g, e=etag: s3tap.status_of(s3.get_object, IfMatch=e, **g)
             == 200),
            ('%s: If-Match with another ETag is 412 PreconditionFailed'
             % key, lambda g=g: s3tap.code_of(s3.get_object, IfMatch='"0"', **g)
             == 'PreconditionFailed'),
            ('%s: If-Match * is 200' % key,
             lambda g=g: s3tap.status_of(s3.get_object, IfMatch='*', **g) == 200),
            ('%s: If-None-Match with its ETag is 304' % key,
             lambda g=g, e=etag: s3tap.status_of(s3.get_object, IfNoneMatch=e,
                                           **g) == 304),
            ('%s: HEAD If-None-Match with its ETag is 304' % key,
             lambda g=g, e=etag: s3tap.status_of(s3.head_object, IfNoneMatch=e,
                                           **g) == 304),
            ('%s: If-None-Match with another ETag is 200' % key,
             lambda g=g: s3tap.status_of(s3.get_object, IfNoneMatch='"0", "1"',
                                   **g) == 200),
            ('%s: If-Modified-Since the past is 200' % key,
             lambda g=g: s3tap.status_of(s3.get_object, IfModifiedSince=past, **g)
             == 200),
            ('%s: If-Modified-Since the future is 304' % key,
             lambda g=g: s3tap.status_of(s3.get_object, IfModifiedSince=future,
                                   **g) == 304),
            ('%s: If-Unmodified-Since the past is 412' % key,
             lambda g=g: s3tap.status_of(s3.get_object, IfUnmodifiedSince=past,
                                   **g) == 412),
            ('%s: HEAD If-Unmodified-Since the past is 412' % key,
             lambda g=g: s3tap.status_of(s3.head_object, IfUnmodifiedSince=past,
                                   **g) == 412),
            ('%s: If-Unmodified-Since the future is 200' % key,
             lambda g=g: s3tap.status_of(s3.get_object, IfUnmodifiedSince=future,
                                   **g) == 200),
            ('%s: a true If-Match overrules a false If-Unmodified-Since'
             % key, lambda g=g, e=etag: s3tap.status_of(
                 s3.get_object, IfMatch=e, IfUnmodifiedSince=past, **g)
             == 200),
            ('%s: a false If-None-Match overrules If-Modified-Since' % key,
             lambda g=g: s3tap.status_of(s3.get_object, IfNoneMatch='"0"',
                                   IfModifiedSince=future, **g) == 200),
            ('%s: If-Match with a Range is 206' % key,
             lambda g=g, e=etag: s3tap.status_of(s3.get_object, IfMatch=e,
                                           Range='bytes=0-9', **g) == 206),
        ]
    g = dict(Bucket=BUCKET, Key='small')

    def overrides():
        r = s3.get_object(ResponseContentType='text/plain',
                          ResponseContentDisposition='attachment; '
                          'filename="a b.txt"',
                          ResponseCacheControl='no-cache',
                          ResponseContentLanguage='fr',
                          ResponseContentEncoding='identity',
                          ResponseExpires=future, **g)
        return (r['ContentType'] == 'text/plain' and
                r['ContentDisposition'] == 'attachment; filename="a b.txt"'
                and r['CacheControl'] == 'no-cache' and
                r['ContentLanguage'] == 'fr' and
                r['ContentEncoding'] == 'identity' and
                r['Body'].read() == b'x' * 100)
    checks += [
        ('response-* parameters override the stored headers', overrides),
        ('without them the stored Content-Type is returned',
         lambda: s3.get_object(**g)['ContentType'] == 'application/x-test'),
        ('a missing key is still NoSuchKey with If-Match',
         lambda: s3tap.code_of(s3.get_object, Bucket=BUCKET, Key='nope',
                         IfMatch='*') == 'NoSuchKey'),
    ]
    checks += put_checks(s3)
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
