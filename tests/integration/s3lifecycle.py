#!/usr/bin/python3
"""s3lifecycle.py - bucket lifecycle: the configuration API and expiry,
in unversioned and versioned buckets.

Usage: s3lifecycle.py ENDPOINT DATA CAIRN DAY

ENDPOINT is the S3 URL, DATA the cluster's data directory, CAIRN the
cairn command and DAY the cluster's [scrubd] lifecycle_day in seconds
(scrubd runs a lifecycle pass every second).  Error cases are sent as
raw signed requests, so that nothing a client library adds or checks
gets in the way.  Prints TAP.
"""

import base64
import glob
import hashlib
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
import zlib
from xml.sax.saxutils import escape

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest

import s3tap

ENDPOINT, DATA, CAIRN, DAY = (sys.argv[1], sys.argv[2], sys.argv[3],
                              int(sys.argv[4]))
HOSTPORT = urllib.parse.urlparse(ENDPOINT).netloc
S3 = s3tap.client(ENDPOINT)
CFG = 'lc-config'
EXP = 'lc-expiry'
POLL_LIMIT = 60          # seconds an expiry may take past its due time

RULE = ('<Rule><ID>%s</ID><Filter><Prefix>%s</Prefix></Filter>'
        '<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>'
        '</Rule>')


def doc(*rules):
    """doc wraps rules in a LifecycleConfiguration."""
    return ('<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/'
            '2006-03-01/">%s</LifecycleConfiguration>' % ''.join(rules))


def raw(method, query, body=b'', headers=None, bucket=CFG, md5=True):
    """raw sends one signed request to ?lifecycle; returns (status, text)."""
    if isinstance(body, str):
        body = body.encode()
    hdrs = dict(headers or {})
    if md5:
        hdrs['Content-MD5'] = base64.b64encode(
            hashlib.md5(body).digest()).decode()
    hdrs['x-amz-content-sha256'] = hashlib.sha256(body).hexdigest()
    path = '/%s?%s' % (bucket, query)
    req = AWSRequest(method=method, url=ENDPOINT + path, headers=hdrs,
                     data=body)
    creds = boto3.session.Session().get_credentials()
    S3SigV4Auth(creds, 's3', 'us-east-1').add_auth(req)
    conn = http.client.HTTPConnection(HOSTPORT, timeout=30)
    try:
        conn.request(method, path, body=body, headers=dict(req.headers))
        resp = conn.getresponse()
        return resp.status, resp.read().decode('utf-8', 'replace')
    finally:
        conn.close()


def put_doc(text, **kw):
    return raw('PUT', 'lifecycle', text, **kw)


def refused(text, status, code, message=None, **kw):
    """refused checks that PUT of text gets status, code (and message)."""
    got_status, body = put_doc(text, **kw)
    good = got_status == status and '<Code>%s</Code>' % code in body
    if message is not None:
        good = good and '<Message>%s</Message>' % escape(
            message, {"'": '&apos;'}) in body
    if not good:
        print('# got %d %s' % (got_status, body))
    return good


def crc32_header(body):
    crc = zlib.crc32(body.encode()) & 0xffffffff
    return base64.b64encode(crc.to_bytes(4, 'big')).decode()


# --- the configuration API -------------------------------------------------

def t_get_none():
    return s3tap.code_of(S3.get_bucket_lifecycle_configuration,
                         Bucket=CFG) == 'NoSuchLifecycleConfiguration' and \
        s3tap.status_of(S3.get_bucket_lifecycle_configuration,
                        Bucket=CFG) == 404


def t_boto3_roundtrip():
    conf = {'Rules': [
        {'ID': 'logs', 'Status': 'Enabled', 'Filter': {'Prefix': 'logs/'},
         'Expiration': {'Days': 30}},
        {'ID': 'tagged', 'Status': 'Disabled',
         'Filter': {'And': {'Prefix': 'a/', 'Tags': [
             {'Key': 'k', 'Value': 'v'}], 'ObjectSizeGreaterThan': 10}},
         'Expiration': {'Date': '2030-01-01T00:00:00Z'}},
        {'ID': 'mp', 'Status': 'Enabled', 'Filter': {'Prefix': ''},
         'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 7},
         'NoncurrentVersionExpiration': {'NoncurrentDays': 3,
                                         'NewerNoncurrentVersions': 2}},
    ]}
    S3.put_bucket_lifecycle_configuration(Bucket=CFG,
                                          LifecycleConfiguration=conf)
    got = S3.get_bucket_lifecycle_configuration(Bucket=CFG)['Rules']
    return [r['ID'] for r in got] == ['logs', 'tagged', 'mp'] and \
        got[0]['Expiration']['Days'] == 30 and \
        got[1]['Filter']['And']['Tags'] == [{'Key': 'k', 'Value': 'v'}] and \
        got[2]['AbortIncompleteMultipartUpload']['DaysAfterInitiation'] == 7


def t_awscli():
    aws = ['/usr/bin/aws', '--endpoint-url', ENDPOINT, 's3api']
    conf = json.dumps({'Rules': [{'ID': 'cli', 'Status': 'Enabled',
                                  'Filter': {'Prefix': 'tmp/'},
                                  'Expiration': {'Days': 2}}]})
    subprocess.run(aws + ['put-bucket-lifecycle-configuration', '--bucket',
                          CFG, '--lifecycle-configuration', conf],
                   check=True, capture_output=True)
    out = subprocess.run(aws + ['get-bucket-lifecycle-configuration',
                                '--bucket', CFG, '--output', 'json'],
                         check=True, capture_output=True, text=True).stdout
    rules = json.loads(out)['Rules']
    return [(r['ID'], r['Expiration']['Days']) for r in rules] == [('cli', 2)]


def t_get_as_sent():
    text = doc(RULE % ('one', 'x/'))
    status, _ = put_doc(text)
    got_status, body = raw('GET', 'lifecycle', md5=False)
    return status == 200 and got_status == 200 and body == text


def t_legacy_prefix():
    return put_doc(doc('<Rule><ID>old</ID><Prefix>p/</Prefix><Status>'
                       'Enabled</Status><Expiration><Days>3</Days>'
                       '</Expiration></Rule>'))[0] == 200


def t_checksum_instead_of_md5():
    text = doc(RULE % ('crc', 'c/'))
    status, _ = put_doc(text, md5=False, headers={
        'x-amz-checksum-crc32': crc32_header(text)})
    return status == 200


def t_no_md5():
    return refused(doc(RULE % ('a', 'a/')), 400, 'InvalidRequest',
                   'Missing required header for this request: Content-MD5',
                   md5=False)


def t_bad_md5():
    return refused(doc(RULE % ('a', 'a/')), 400, 'BadDigest', md5=False,
                   headers={'Content-MD5': base64.b64encode(
                       hashlib.md5(b'other').digest()).decode()})


def t_bad_crc():
    return refused(doc(RULE % ('a', 'a/')), 400, 'BadDigest', md5=False,
                   headers={'x-amz-checksum-crc32': crc32_header('other')})


def rule(body, status='Enabled', filt='<Filter><Prefix>p/</Prefix></Filter>',
         rid='r'):
    return '<Rule><ID>%s</ID>%s<Status>%s</Status>%s</Rule>' % (
        rid, filt, status, body)


EXP1 = '<Expiration><Days>1</Days></Expiration>'
BAD_DOCS = [
    ('not XML', 'this is not xml', 400, 'MalformedXML', None),
    ('another root', '<Tagging><TagSet/></Tagging>', 400, 'MalformedXML',
     None),
    ('no rule', doc(), 400, 'MalformedXML', None),
    ('a DOCTYPE', '<!DOCTYPE x [<!ENTITY e "x">]>' + doc(rule(EXP1)), 400,
     'MalformedXML', None),
    ('an unknown element', doc(rule(EXP1 + '<Colour>red</Colour>')), 400,
     'MalformedXML', None),
    ('Status Maybe', doc(rule(EXP1, status='Maybe')), 400, 'MalformedXML',
     None),
    ('no Status', doc('<Rule><ID>x</ID><Filter/>%s</Rule>' % EXP1), 400,
     'MalformedXML', None),
    ('an ID of 256 characters', doc(rule(EXP1, rid='i' * 256)), 400,
     'InvalidArgument', 'ID length should not exceed allowed limit of 255'),
    ('duplicate IDs', doc(rule(EXP1, rid='same'), rule(EXP1, rid='same')),
     400, 'InvalidArgument',
     'Rule ID must be unique. Found same ID for more than one rule'),
    ('Days 0', doc(rule('<Expiration><Days>0</Days></Expiration>')), 400,
     'InvalidArgument',
     "'Days' for Expiration action must be a positive integer"),
    ('Days -3', doc(rule('<Expiration><Days>-3</Days></Expiration>')), 400,
     'InvalidArgument', None),
    ('Days abc', doc(rule('<Expiration><Days>abc</Days></Expiration>')), 400,
     'MalformedXML', None),
    ('Days and Date', doc(rule('<Expiration><Days>1</Days><Date>2030-01-01T'
                               '00:00:00Z</Date></Expiration>')), 400,
     'MalformedXML', None),
    ('a Date at noon', doc(rule('<Expiration><Date>2030-01-01T12:00:00Z'
                                '</Date></Expiration>')), 400,
     'InvalidArgument', "'Date' must be at midnight GMT"),
    ('an empty Expiration', doc(rule('<Expiration></Expiration>')), 400,
     'MalformedXML', None),
    ('no action', doc(rule('')), 400, 'InvalidRequest',
     'At least one action needs to be specified in a rule'),
    ('Prefix and Tag outside And',
     doc(rule(EXP1, filt='<Filter><Prefix>a</Prefix><Tag><Key>k</Key>'
              '<Value>v</Value></Tag></Filter>')), 400, 'MalformedXML', None),
    ('Filter and Prefix', doc(rule(EXP1, filt='<Prefix>a</Prefix><Filter>'
                                   '</Filter>')), 400, 'MalformedXML', None),
    ('sizes the wrong way round',
     doc(rule(EXP1, filt='<Filter><And><ObjectSizeGreaterThan>100'
              '</ObjectSizeGreaterThan><ObjectSizeLessThan>50'
              '</ObjectSizeLessThan></And></Filter>')), 400,
     'InvalidArgument', None),
    ('NoncurrentDays 0',
     doc(rule('<NoncurrentVersionExpiration><NoncurrentDays>0'
              '</NoncurrentDays></NoncurrentVersionExpiration>')), 400,
     'InvalidArgument', "'NoncurrentDays' for NoncurrentVersionExpiration "
     "action must be a positive integer"),
    ('DaysAfterInitiation 0',
     doc(rule('<AbortIncompleteMultipartUpload><DaysAfterInitiation>0'
              '</DaysAfterInitiation></AbortIncompleteMultipartUpload>')),
     400, 'InvalidArgument', "'DaysAfterInitiation' for "
     "AbortIncompleteMultipartUpload action must be a positive integer"),
    ('AbortIncompleteMultipartUpload with a Tag',
     doc(rule('<AbortIncompleteMultipartUpload><DaysAfterInitiation>1'
              '</DaysAfterInitiation></AbortIncompleteMultipartUpload>',
              filt='<Filter><Tag><Key>k</Key><Value>v</Value></Tag>'
              '</Filter>')), 400, 'InvalidRequest',
     'AbortIncompleteMultipartUpload cannot be specified with Tags.'),
    ('ExpiredObjectDeleteMarker with Days',
     doc(rule('<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true'
              '</ExpiredObjectDeleteMarker></Expiration>')), 400,
     'InvalidRequest', None),
    ('1001 rules', doc(*[rule(EXP1, rid='r%d' % i) for i in range(1001)]),
     400, 'InvalidRequest', None),
    ('a Transition',
     doc(rule('<Transition><Days>30</Days><StorageClass>GLACIER'
              '</StorageClass></Transition>')), 501, 'NotImplemented', None),
]


def t_bad(name, text, status, code, message):
    return (name, lambda: refused(text, status, code, message))


def t_refused_keeps_old():
    status, body = raw('GET', 'lifecycle', md5=False)
    return status == 200 and '<ID>crc</ID>' in body


def t_1000_rules():
    return put_doc(doc(*[rule(EXP1, rid='r%d' % i)
                         for i in range(1000)]))[0] == 200


def t_method():
    status, body = raw('POST', 'lifecycle', md5=False)
    return status == 405 and '<Code>MethodNotAllowed</Code>' in body


def t_no_bucket():
    good = True
    for method in ('PUT', 'GET', 'DELETE'):
        status, body = raw(method, 'lifecycle', doc(RULE % ('a', 'a/'))
                           if method == 'PUT' else b'',
                           bucket='no-such-bucket', md5=method == 'PUT')
        if status != 404 or '<Code>NoSuchBucket</Code>' not in body:
            print('# %s: %d %s' % (method, status, body))
            good = False
    return good


def t_delete():
    r = S3.delete_bucket_lifecycle(Bucket=CFG)
    return r['ResponseMetadata']['HTTPStatusCode'] == 204 and \
        s3tap.code_of(S3.get_bucket_lifecycle_configuration,
                      Bucket=CFG) == 'NoSuchLifecycleConfiguration' and \
        S3.delete_bucket_lifecycle(Bucket=CFG)[
            'ResponseMetadata']['HTTPStatusCode'] == 204


# --- expiry ------------------------------------------------------------------

EXPIRY_RULES = {'Rules': [
    {'ID': 'logs', 'Status': 'Enabled', 'Filter': {'Prefix': 'logs/'},
     'Expiration': {'Days': 1}},
    {'ID': 'tag', 'Status': 'Enabled', 'Filter': {'And': {
        'Prefix': 'tagged/', 'Tags': [{'Key': 'life', 'Value': 'short'}]}},
     'Expiration': {'Days': 1}},
    {'ID': 'size', 'Status': 'Enabled', 'Filter': {'And': {
        'Prefix': 'size/', 'ObjectSizeGreaterThan': 1000,
        'ObjectSizeLessThan': 100000}}, 'Expiration': {'Days': 1}},
    {'ID': 'off', 'Status': 'Disabled', 'Filter': {'Prefix': 'off/'},
     'Expiration': {'Days': 1}},
    {'ID': 'past', 'Status': 'Enabled', 'Filter': {'Prefix': 'past/'},
     'Expiration': {'Date': '2001-01-01T00:00:00Z'}},
    {'ID': 'future', 'Status': 'Enabled', 'Filter': {'Prefix': 'future/'},
     'Expiration': {'Date': '2100-01-01T00:00:00Z'}},
    {'ID': 'over', 'Status': 'Enabled', 'Filter': {'Prefix': 'over/'},
     'Expiration': {'Days': 3}},
    {'ID': 'mp', 'Status': 'Enabled', 'Filter': {'Prefix': 'mp/'},
     'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 1}},
]}

# Keys that expire (Days 1) and keys that stay; the size of each.
DUE = {'logs/small': 100, 'logs/big': 200000, 'tagged/yes': 10,
       'size/mid': 5000}
STAY = {'keep/a': 100, 'tagged/no': 10, 'tagged/none': 10,
        'size/small': 10, 'size/big': 200000, 'off/a': 10, 'future/a': 10,
        'logs': 10}
TAGS = {'tagged/yes': 'life=short', 'tagged/no': 'life=long'}
STATE = {}


def shard_files():
    return set(glob.glob(os.path.join(DATA, 'drives', '*', 'shards', '**'),
                         recursive=True))


def shards_gone(shards, limit=10):
    """shards_gone waits up to limit seconds for none of shards to be left:
    scrubd deletes an expired record's shards after the record is gone."""
    end = time.time() + limit
    while shards & shard_files():
        if time.time() > end:
            print('# shards left: %s' % sorted(shards & shard_files()))
            return False
        time.sleep(0.1)
    return True


def due_bounds(made, days):
    """due_bounds: the earliest and latest due time of something made in
    the second that starts at made (whole seconds, as Last-Modified)."""
    def due(t):
        return -(-(t + days * DAY) // DAY) * DAY
    return due(made), due(made + 1)


def exists(key):
    return s3tap.status_of(S3.head_object, Bucket=EXP, Key=key) == 200


def put(key, size):
    kw = {'Tagging': TAGS[key]} if key in TAGS else {}
    S3.put_object(Bucket=EXP, Key=key, Body=os.urandom(size), **kw)
    head = S3.head_object(Bucket=EXP, Key=key)
    return int(head['LastModified'].timestamp())


def t_expiry_setup():
    S3.create_bucket(Bucket=EXP)
    S3.put_bucket_lifecycle_configuration(Bucket=EXP,
                                          LifecycleConfiguration=EXPIRY_RULES)
    for k, n in STAY.items():
        put(k, n)
    # Due at once: a pass may take it before a HEAD could follow the PUT.
    S3.put_object(Bucket=EXP, Key='past/a', Body=os.urandom(10))
    STATE['mp_keep'] = S3.create_multipart_upload(Bucket=EXP,
                                                  Key='other/u')['UploadId']
    before = shard_files()
    STATE['mp_made'] = int(time.time())
    up = S3.create_multipart_upload(Bucket=EXP, Key='mp/u')
    S3.upload_part(Bucket=EXP, Key='mp/u', UploadId=up['UploadId'],
                   PartNumber=1, Body=os.urandom(100000))
    STATE['mp_shards'] = shard_files() - before
    # The objects that expire come last, so the watch starts right away.
    before = shard_files()
    STATE['made'] = {k: put(k, n) for k, n in DUE.items()}
    STATE['big_shards'] = shard_files() - before
    return len(STATE['big_shards']) > 0 and len(STATE['mp_shards']) > 0


def uploads(key):
    r = S3.list_multipart_uploads(Bucket=EXP, Prefix=key)
    return [u['UploadId'] for u in r.get('Uploads', [])]


def watch(present, earliest, latest):
    """watch polls present() until it is false; returns (ok, when).  It
    must stay true before earliest and turn false by latest + the limit.
    A thing found gone went at the latest when the probe ended, and one
    found there was there at the latest when it began: each bound is
    checked against the time that proves it."""
    while True:
        began = time.time()
        alive = present()
        ended = time.time()
        if not alive:
            if ended < earliest:
                print('# gone at %.1f, due at %d at the earliest' %
                      (ended, earliest))
            return ended >= earliest, ended
        if began > latest + POLL_LIMIT:
            print('# still there at %.1f, due by %d' % (began, latest))
            return False, began
        time.sleep(0.2)


def t_expire_due():
    """Every key is polled in each round, so each is seen go when it goes."""
    left = dict(STATE['made'])
    good = True
    while left:
        for key, made in list(left.items()):
            lo, hi = due_bounds(made, 1)
            began = time.time()     # as in watch
            there = exists(key)
            ended = time.time()
            if not there:
                if ended < lo:
                    print('# %s: made %d, gone at %.1f, due at %d at the '
                          'earliest' % (key, made, ended, lo))
                    good = False
                del left[key]
            elif began > hi + POLL_LIMIT:
                print('# %s: made %d, still there at %.1f, due by %d' %
                      (key, made, began, hi))
                return False
        time.sleep(0.2)
    return good


def t_expired_shards():
    return shards_gone(STATE['big_shards'])


def t_past_date():
    ok, _ = watch(lambda: exists('past/a'), 0, time.time())
    return ok


def t_abort_upload():
    lo, hi = due_bounds(STATE['mp_made'], 1)
    ok, _ = watch(lambda: uploads('mp/'), lo, hi + 5)
    return ok


def t_aborted_shards():
    return shards_gone(STATE['mp_shards'])


def cairn(*args):
    return subprocess.run([CAIRN, '-f', os.path.join(DATA, 'cairn.conf')] +
                          list(args), check=True, capture_output=True,
                          text=True).stdout


def stat(name):
    return json.loads(cairn('scrub', 'status', '--json'))['stats'][name]


def t_rest_stay():
    passes = stat('lifecycle_passes')
    deadline = time.time() + POLL_LIMIT
    while stat('lifecycle_passes') < passes + 2 and time.time() < deadline:
        time.sleep(0.2)
    cairn('lifecycle', 'run')
    missing = [k for k in STAY if not exists(k)]
    if missing:
        print('# gone: %s' % missing)
    return not missing and uploads('other/') == [STATE['mp_keep']]


def t_overwritten_survives():
    made = put('over/x', 10)
    lo, _ = due_bounds(made, 3)
    # Overwrite just before the first version is due, at the earliest.
    time.sleep(max(0, lo - 0.4 - time.time()))
    body = b'the second version'
    S3.put_object(Bucket=EXP, Key='over/x', Body=body)
    made2 = int(S3.head_object(Bucket=EXP, Key='over/x')[
        'LastModified'].timestamp())
    lo2, hi2 = due_bounds(made2, 3)
    time.sleep(max(0, lo + 1 - time.time()))
    cairn('lifecycle', 'run')
    got = S3.get_object(Bucket=EXP, Key='over/x')['Body'].read()
    still = time.time() < lo2
    if not still:
        print('# the check came too late (machine loaded): %.1f >= %d' %
              (time.time(), lo2))
    # ... and the second version expires when it is due in turn.
    ok, _ = watch(lambda: exists('over/x'), lo2, hi2)
    return got == body and still and ok


def t_counters():
    out = json.loads(cairn('lifecycle', 'run', '--json'))['stats']
    return stat('objects_expired') >= len(DUE) + 2 and \
        stat('uploads_aborted') >= 1 and 'objects_checked' in out and \
        out['objects_expired'] == 0


# --- versioned buckets -------------------------------------------------------

VER = 'lc-versions'
LOCKED = 'lc-locked'
SUSP = 'lc-suspended'
NC = {'NoncurrentDays': 1}
VER_RULES = {'Rules': [
    {'ID': 'cur', 'Status': 'Enabled', 'Filter': {'Prefix': 'cur/'},
     'Expiration': {'Days': 1}},
    {'ID': 'nc', 'Status': 'Enabled', 'Filter': {'Prefix': 'nc/'},
     'NoncurrentVersionExpiration': NC},
    {'ID': 'newer', 'Status': 'Enabled', 'Filter': {'Prefix': 'newer/'},
     'NoncurrentVersionExpiration': {'NoncurrentDays': 1,
                                     'NewerNoncurrentVersions': 2}},
    {'ID': 'mark', 'Status': 'Enabled', 'Filter': {'Prefix': 'mark/'},
     'Expiration': {'ExpiredObjectDeleteMarker': True},
     'NoncurrentVersionExpiration': NC},
]}
LOCK_RULES = {'Rules': [
    {'ID': 'all', 'Status': 'Enabled', 'Filter': {'Prefix': ''},
     'NoncurrentVersionExpiration': NC}]}
SUSP_RULES = {'Rules': [
    {'ID': 'all', 'Status': 'Enabled', 'Filter': {'Prefix': ''},
     'Expiration': {'Days': 1}}]}
VS = {}       # key -> [(version id, sha256, whole-second mtime)], oldest first


def sha(b):
    return hashlib.sha256(b).hexdigest()


def vput(bucket, key, size=3000, **kw):
    """vput writes a new version of random bytes and remembers it."""
    body = os.urandom(size)
    vid = S3.put_object(Bucket=bucket, Key=key, Body=body, **kw)['VersionId']
    head = S3.head_object(Bucket=bucket, Key=key, VersionId=vid)
    VS.setdefault((bucket, key), []).append(
        (vid, sha(body), int(head['LastModified'].timestamp())))
    return vid


def versions(bucket, key):
    """versions lists (id, is marker, is latest) of key, newest first."""
    r = S3.list_object_versions(Bucket=bucket, Prefix=key)
    out = [(v['VersionId'], False, v['IsLatest'], v['LastModified'])
           for v in r.get('Versions', []) if v['Key'] == key]
    out += [(v['VersionId'], True, v['IsLatest'], v['LastModified'])
            for v in r.get('DeleteMarkers', []) if v['Key'] == key]
    out.sort(key=lambda v: v[3], reverse=True)
    return [v[:3] for v in out]


def ids(bucket, key):
    return [v[0] for v in versions(bucket, key)]


def reads_back(bucket, key, vid, digest):
    body = S3.get_object(Bucket=bucket, Key=key, VersionId=vid)['Body'].read()
    if sha(body) != digest:
        print('# %s %s: wrong bytes' % (key, vid))
    return sha(body) == digest


def t_ver_setup():
    S3.create_bucket(Bucket=VER)
    S3.put_bucket_versioning(Bucket=VER, VersioningConfiguration={
        'Status': 'Enabled'})
    S3.put_bucket_lifecycle_configuration(Bucket=VER,
                                          LifecycleConfiguration=VER_RULES)
    for key, n in (('cur/a', 1), ('nc/a', 3), ('newer/a', 5), ('mark/a', 1),
                   ('keep/a', 2)):
        for _ in range(n):
            vput(VER, key)
    STATE['mark_del'] = S3.delete_object(Bucket=VER,
                                         Key='mark/a')['VersionId']
    S3.delete_object(Bucket=VER, Key='mark/alone')
    STATE['alone'] = ids(VER, 'mark/alone')
    return len(ids(VER, 'newer/a')) == 5 and len(ids(VER, 'mark/a')) == 2 \
        and len(STATE['alone']) == 1


def t_ver_current():
    """cur/a: the current version goes behind a delete marker when due."""
    vid, digest, made = VS[(VER, 'cur/a')][0]
    lo, hi = due_bounds(made, 1)
    ok, _ = watch(lambda: exists_in(VER, 'cur/a'), lo, hi)
    vs = versions(VER, 'cur/a')
    good = len(vs) == 2 and vs[0][1] and vs[0][2] and vs[1][0] == vid and \
        not vs[1][1] and not vs[1][2]
    if not good:
        print('# cur/a versions: %s' % vs)
    return ok and good and reads_back(VER, 'cur/a', vid, digest)


def exists_in(bucket, key):
    return s3tap.status_of(S3.head_object, Bucket=bucket, Key=key) == 200


def noncurrent_gone(key, gone):
    """noncurrent_gone watches the versions gone (indexes, oldest first)
    go, each not before NoncurrentDays after the next newer version."""
    vs = VS[(VER, key)]
    good = True
    for i in gone:
        lo, hi = due_bounds(vs[i + 1][2], 1)
        ok, _ = watch(lambda: vs[i][0] in ids(VER, key), lo, hi)
        good = good and ok
    return good


def stays(bucket, key, keep):
    """stays waits two more passes, then checks that exactly the versions
    keep (indexes, oldest first) are left, each with its bytes."""
    passes = stat('lifecycle_passes')
    deadline = time.time() + POLL_LIMIT
    while stat('lifecycle_passes') < passes + 2 and time.time() < deadline:
        time.sleep(0.2)
    vs = VS[(bucket, key)]
    want = [vs[i][0] for i in reversed(keep)]
    got = ids(bucket, key)
    if got != want:
        print('# %s: left %s, want %s' % (key, got, want))
    return got == want and all(reads_back(bucket, key, vs[i][0], vs[i][1])
                               for i in keep)


def t_ver_noncurrent():
    return noncurrent_gone('nc/a', [0, 1]) and stays(VER, 'nc/a', [2])


def t_ver_newer():
    return noncurrent_gone('newer/a', [0, 1]) and \
        stays(VER, 'newer/a', [2, 3, 4])


def t_ver_markers():
    """mark/a: its one version expires, then the marker left alone goes;
    mark/alone: a marker that was alone from the start goes."""
    vid, _, _ = VS[(VER, 'mark/a')][0]
    ok, _ = watch(lambda: vid in ids(VER, 'mark/a'), 0, time.time() + 2 * DAY)
    ok2, _ = watch(lambda: ids(VER, 'mark/a') != [], 0, time.time())
    ok3, _ = watch(lambda: ids(VER, 'mark/alone') != [], 0, time.time())
    return ok and ok2 and ok3


def t_ver_rest():
    return stays(VER, 'keep/a', [0, 1])


def t_ver_locked():
    """A noncurrent version under a legal hold stays; the other goes."""
    S3.create_bucket(Bucket=LOCKED, ObjectLockEnabledForBucket=True)
    S3.put_bucket_lifecycle_configuration(Bucket=LOCKED,
                                          LifecycleConfiguration=LOCK_RULES)
    locked0 = stat('expiry_locked')
    vput(LOCKED, 'held', ObjectLockLegalHoldStatus='ON')
    vput(LOCKED, 'free')
    vput(LOCKED, 'held')
    vput(LOCKED, 'free')
    vs = VS[(LOCKED, 'free')]
    lo, hi = due_bounds(vs[1][2], 1)
    ok, _ = watch(lambda: vs[0][0] in ids(LOCKED, 'free'), lo, hi)
    good = ok and stays(LOCKED, 'held', [0, 1]) and \
        stat('expiry_locked') > locked0
    S3.put_object_legal_hold(Bucket=LOCKED, Key='held',
                             VersionId=VS[(LOCKED, 'held')][0][0],
                             LegalHold={'Status': 'OFF'})
    return good


def t_ver_suspended():
    """Suspended: the null version is replaced by a null delete marker and
    its shards are deleted."""
    S3.create_bucket(Bucket=SUSP)
    S3.put_bucket_versioning(Bucket=SUSP, VersioningConfiguration={
        'Status': 'Suspended'})
    before = shard_files()
    body = os.urandom(200000)
    S3.put_object(Bucket=SUSP, Key='s', Body=body)
    made = int(S3.head_object(Bucket=SUSP, Key='s')[
        'LastModified'].timestamp())
    shards = shard_files() - before
    S3.put_bucket_lifecycle_configuration(Bucket=SUSP,
                                          LifecycleConfiguration=SUSP_RULES)
    lo, hi = due_bounds(made, 1)
    ok, _ = watch(lambda: exists_in(SUSP, 's'), lo, hi)
    vs = versions(SUSP, 's')
    # The marker itself goes a Days later, as in S3.
    good = vs in ([], [('null', True, True)])
    if not good:
        print('# s versions: %s' % vs)
    return ok and good and len(shards) > 0 and shards_gone(shards)


def t_ver_counters():
    return stat('noncurrent_expired') >= 5 and \
        stat('markers_expired') >= 2 and stat('objects_expired') >= 1


def main():
    S3.create_bucket(Bucket=CFG)
    checks = [
        ('GET without a configuration: 404 NoSuchLifecycleConfiguration',
         t_get_none),
        ('boto3 PUT and GET round-trip the rules', t_boto3_roundtrip),
        ('the AWS CLI puts and gets a configuration', t_awscli),
        ('GET answers the document as it was sent', t_get_as_sent),
        ('a rule with the legacy Prefix is accepted', t_legacy_prefix),
        ('x-amz-checksum-crc32 instead of Content-MD5 is accepted',
         t_checksum_instead_of_md5),
        ('PUT without Content-MD5 or checksum: InvalidRequest',
         t_no_md5),
        ('a wrong Content-MD5: BadDigest', t_bad_md5),
        ('a wrong x-amz-checksum-crc32: BadDigest', t_bad_crc),
    ]
    checks += [t_bad('refused: ' + b[0], *b[1:]) for b in BAD_DOCS]
    checks += [
        ('a refused PUT keeps the stored configuration', t_refused_keeps_old),
        ('1000 rules are accepted', t_1000_rules),
        ('POST ?lifecycle: MethodNotAllowed', t_method),
        ('PUT, GET, DELETE on a missing bucket: NoSuchBucket', t_no_bucket),
        ('DELETE answers 204, then GET 404', t_delete),
        ('expiry: objects, tags and an upload set up', t_expiry_setup),
        ('Days 1 (prefix, tag, size filters) expire when due, not before',
         t_expire_due),
        ('the shards of an expired object are deleted', t_expired_shards),
        ('a Date in the past expires at the next pass', t_past_date),
        ('an incomplete upload is aborted when due, not before',
         t_abort_upload),
        ('the aborted upload\'s part shards are deleted', t_aborted_shards),
        ('the rest stays: other prefixes, tags, sizes, Disabled, future '
         'Date, other uploads', t_rest_stay),
        ('an object overwritten just before expiry survives',
         t_overwritten_survives),
        ('counters in cairn scrub status and cairn lifecycle run --json',
         t_counters),
        ('versioned bucket: versions and markers set up', t_ver_setup),
        ('Expiration Days: the current version goes behind a delete marker '
         'and reads back as a noncurrent version', t_ver_current),
        ('NoncurrentDays: noncurrent versions go when due, the current '
         'stays', t_ver_noncurrent),
        ('NewerNoncurrentVersions 2: the two newest noncurrent versions '
         'stay', t_ver_newer),
        ('ExpiredObjectDeleteMarker: markers left alone go', t_ver_markers),
        ('versions under no rule stay', t_ver_rest),
        ('a noncurrent version under a legal hold stays, counted',
         t_ver_locked),
        ('Suspended: the null version goes behind a null delete marker, '
         'its shards deleted', t_ver_suspended),
        ('counters of versions and markers expired', t_ver_counters),
    ]
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
