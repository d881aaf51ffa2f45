#!/usr/bin/python3
"""version.py - S3 versioning through boto3.

Usage: version.py ENDPOINT_URL
       version.py ENDPOINT_URL keep BUCKET   (writes BUCKET for t_version.sh)
       version.py ENDPOINT_URL check BUCKET  (reads every version back)

Prints TAP.  Each check is one line; a check that raises fails alone.
"""

import datetime
import hashlib
import json
import os
import sys

import s3tap

BUCKET = 'ver-bucket'
NVERS = 25


def sha(b):
    return hashlib.sha256(b).hexdigest()


def headers_of(fn, **kw):
    """headers_of returns (error code, HTTP headers) of a failing call."""
    try:
        r = fn(**kw)
    except s3tap.ClientError as e:
        return (e.response.get('Error', {}).get('Code'),
                e.response['ResponseMetadata']['HTTPHeaders'])
    return (None, r['ResponseMetadata']['HTTPHeaders'])


def all_versions(s3, bucket, page=None, **kw):
    """all_versions lists every version and marker, page by page, in the
    order S3 gives them; returns [(key, version id, is latest, marker)]."""
    out = []
    marks = {}
    while True:
        args = dict(Bucket=bucket, **kw)
        if page:
            args['MaxKeys'] = page
        args.update(marks)
        r = s3.list_object_versions(**args)
        items = [(v['Key'], v['VersionId'], v['IsLatest'], False,
                  v['LastModified']) for v in r.get('Versions', [])]
        items += [(v['Key'], v['VersionId'], v['IsLatest'], True,
                   v['LastModified']) for v in r.get('DeleteMarkers', [])]
        # Versions and markers come in one sequence; put it back in order.
        items.sort(key=lambda t: (t[0], -t[4].timestamp()))
        out += [t[:4] for t in items]
        if not r['IsTruncated']:
            return out
        marks = dict(KeyMarker=r['NextKeyMarker'],
                     VersionIdMarker=r['NextVersionIdMarker'])


def main():
    s3 = s3tap.client(sys.argv[1])
    if len(sys.argv) > 2:
        return keep(s3, sys.argv[2], sys.argv[3])
    s3.create_bucket(Bucket=BUCKET)
    b = dict(Bucket=BUCKET)
    state = {}

    def never_versioned():
        r = s3.get_bucket_versioning(**b)
        return 'Status' not in r

    def bad_status():
        return s3tap.code_of(s3.put_bucket_versioning, VersioningConfiguration={
            'Status': 'Sometimes'}, **b) == 'MalformedXML'

    def null_before():
        r = s3.put_object(Key='k', Body=b'unversioned', **b)
        state['null_etag'] = r['ETag']
        return 'VersionId' not in r

    def enable():
        s3.put_bucket_versioning(VersioningConfiguration={
            'Status': 'Enabled'}, **b)
        return s3.get_bucket_versioning(**b)['Status'] == 'Enabled'

    def many_versions():
        state['ids'], state['sums'] = [], {}
        for i in range(NVERS):
            body = os.urandom(1000 + 7919 * i)
            r = s3.put_object(Key='k', Body=body, **b)
            state['ids'].append(r['VersionId'])
            state['sums'][r['VersionId']] = sha(body)
        return len(set(state['ids'])) == NVERS

    def listed_in_order():
        got = all_versions(s3, BUCKET, Prefix='k')
        want = [('k', v, i == 0, False) for i, v in
                enumerate(reversed(state['ids']))] + [('k', 'null', False,
                                                       False)]
        return got == want

    def listed_in_pages():
        return (all_versions(s3, BUCKET, page=4, Prefix='k') ==
                all_versions(s3, BUCKET, Prefix='k'))

    def read_back():
        ok = True
        for v in state['ids']:
            r = s3.get_object(Key='k', VersionId=v, **b)
            ok &= (sha(r['Body'].read()) == state['sums'][v] and
                   r['VersionId'] == v)
        r = s3.get_object(Key='k', VersionId='null', **b)
        return ok and r['Body'].read() == b'unversioned'

    def latest_is_last():
        r = s3.get_object(Key='k', **b)
        return (r['VersionId'] == state['ids'][-1] and
                sha(r['Body'].read()) == state['sums'][state['ids'][-1]])

    def head_version():
        r = s3.head_object(Key='k', VersionId=state['ids'][3], **b)
        return r['VersionId'] == state['ids'][3]

    def invalid_id():
        code, _ = headers_of(s3.get_object, Key='k', VersionId='nope', **b)
        return code == 'InvalidArgument'

    def unknown_id():
        code, _ = headers_of(s3.get_object, Key='k',
                             VersionId='0' * 32, **b)
        return code == 'NoSuchVersion'

    def delete_marker():
        r = s3.delete_object(Key='k', **b)
        state['marker'] = r['VersionId']
        return r['DeleteMarker'] and r['VersionId'] not in state['ids']

    def get_after_marker():
        code, h = headers_of(s3.get_object, Key='k', **b)
        return (code in ('NoSuchKey', '404') and
                h.get('x-amz-delete-marker') == 'true' and
                h.get('x-amz-version-id') == state['marker'])

    def head_after_marker():
        code, h = headers_of(s3.head_object, Key='k', **b)
        return code == '404' and h.get('x-amz-delete-marker') == 'true'

    def get_marker_by_id():
        code, h = headers_of(s3.get_object, Key='k',
                             VersionId=state['marker'], **b)
        return (code == 'MethodNotAllowed' and
                h.get('x-amz-delete-marker') == 'true' and
                'last-modified' in h)

    def list_skips_marker():
        r = s3.list_objects_v2(**b)
        r1 = s3.list_objects(**b)
        return 'Contents' not in r and 'Contents' not in r1

    def marker_listed_latest():
        got = all_versions(s3, BUCKET, Prefix='k')
        return got[0] == ('k', state['marker'], True, True) and \
            not got[1][2]

    def delete_marker_by_id():
        r = s3.delete_object(Key='k', VersionId=state['marker'], **b)
        g = s3.get_object(Key='k', **b)
        return (r['DeleteMarker'] and r['VersionId'] == state['marker'] and
                g['VersionId'] == state['ids'][-1])

    def delete_one_version():
        v = state['ids'][5]
        r = s3.delete_object(Key='k', VersionId=v, **b)
        code, _ = headers_of(s3.get_object, Key='k', VersionId=v, **b)
        left = [t[1] for t in all_versions(s3, BUCKET, Prefix='k')]
        return (r['VersionId'] == v and code == 'NoSuchVersion' and
                v not in left and len(left) == NVERS)

    def delete_latest_promotes():
        v = state['ids'][-1]
        s3.delete_object(Key='k', VersionId=v, **b)
        g = s3.get_object(Key='k', **b)
        got = all_versions(s3, BUCKET, Prefix='k')
        return (g['VersionId'] == state['ids'][-2] and
                got[0] == ('k', state['ids'][-2], True, False))

    def delete_missing_version():
        return s3tap.status_of(s3.delete_object, Key='k',
                               VersionId='f' * 32, **b) == 204

    def copy_old_version():
        v = state['ids'][2]
        r = s3.copy_object(Key='k', CopySource={
            'Bucket': BUCKET, 'Key': 'k', 'VersionId': v}, **b)
        g = s3.get_object(Key='k', **b)
        state['restored'] = r['VersionId']
        return (sha(g['Body'].read()) == state['sums'][v] and
                g['VersionId'] == r['VersionId'] and
                r['VersionId'] not in state['ids'])

    def multipart_version():
        k = dict(Key='mp', **b)
        up = s3.create_multipart_upload(**k)['UploadId']
        parts = []
        for n, body in enumerate([b'a' * (5 << 20), b'b' * 1000], 1):
            parts.append({'PartNumber': n, 'ETag': s3.upload_part(
                UploadId=up, PartNumber=n, Body=body, **k)['ETag']})
        r = s3.complete_multipart_upload(UploadId=up, MultipartUpload={
            'Parts': parts}, **k)
        r2 = s3.put_object(Body=b'small', **k)
        g = s3.get_object(VersionId=r['VersionId'], **k)
        return (r['VersionId'] != r2['VersionId'] and
                g['ContentLength'] == (5 << 20) + 1000)

    def tagging_by_version():
        old, new = state['ids'][0], state['ids'][1]
        s3.put_object_tagging(Key='k', VersionId=old, Tagging={'TagSet': [
            {'Key': 'gen', 'Value': 'first'}]}, **b)
        t_old = s3.get_object_tagging(Key='k', VersionId=old, **b)
        t_new = s3.get_object_tagging(Key='k', VersionId=new, **b)
        s3.delete_object_tagging(Key='k', VersionId=old, **b)
        t_gone = s3.get_object_tagging(Key='k', VersionId=old, **b)
        return (t_old['TagSet'] == [{'Key': 'gen', 'Value': 'first'}] and
                t_old['VersionId'] == old and t_new['TagSet'] == [] and
                t_gone['TagSet'] == [] and
                s3tap.code_of(s3.get_object_tagging, Key='k',
                              VersionId='1' * 32, **b) == 'NoSuchVersion')

    def delete_objects_versions():
        s3.put_object(Key='d1', Body=b'one', **b)
        v2 = s3.put_object(Key='d1', Body=b'two', **b)['VersionId']
        r = s3.delete_objects(Delete={'Objects': [
            {'Key': 'd1', 'VersionId': v2}, {'Key': 'd2'},
            {'Key': 'd3', 'VersionId': 'bad'}]}, **b)
        d = {x['Key']: x for x in r.get('Deleted', [])}
        e = {x['Key']: x for x in r.get('Errors', [])}
        g = s3.get_object(Key='d1', **b)['Body'].read()
        return (d['d1'].get('VersionId') == v2 and
                d['d2'].get('DeleteMarker') and
                len(d['d2'].get('DeleteMarkerVersionId', '')) == 32 and
                e['d3']['Code'] == 'InvalidArgument' and g == b'one')

    def suspend():
        s3.put_bucket_versioning(VersioningConfiguration={
            'Status': 'Suspended'}, **b)
        return s3.get_bucket_versioning(**b)['Status'] == 'Suspended'

    def suspended_puts_null():
        before = [t for t in all_versions(s3, BUCKET, Prefix='k')]
        r1 = s3.put_object(Key='k', Body=b'first null', **b)
        r2 = s3.put_object(Key='k', Body=b'second null', **b)
        after = all_versions(s3, BUCKET, Prefix='k')
        nulls = [t for t in after if t[1] == 'null']
        g = s3.get_object(Key='k', VersionId='null', **b)['Body'].read()
        # The old null version (from before versioning) was replaced by
        # the first suspended PUT, which the second replaced again.
        kept = [t[1] for t in before if t[1] != 'null']
        return (r1.get('VersionId', 'null') == 'null' and
                r2.get('VersionId', 'null') == 'null' and
                len(nulls) == 1 and nulls[0][2] and g == b'second null' and
                [t[1] for t in after if t[1] != 'null'] == kept)

    def suspended_delete():
        r = s3.delete_object(Key='k', **b)
        after = all_versions(s3, BUCKET, Prefix='k')
        nulls = [t for t in after if t[1] == 'null']
        return (r['DeleteMarker'] and r.get('VersionId') == 'null' and
                len(nulls) == 1 and nulls[0][3] and nulls[0][2])

    def delimiter_and_prefix():
        d = dict(Bucket='ver-delim')
        s3.create_bucket(**d)
        s3.put_bucket_versioning(VersioningConfiguration={
            'Status': 'Enabled'}, **d)
        for k in ('dir/a', 'dir/b', 'top', 'top', 'x y'):
            s3.put_object(Key=k, Body=b'.', **d)
        r = s3.list_object_versions(Delimiter='/', **d)
        p = s3.list_object_versions(Prefix='dir/', MaxKeys=1, **d)
        u = s3.list_object_versions(Prefix='x', EncodingType='url', **d)
        return ([c['Prefix'] for c in r['CommonPrefixes']] == ['dir/'] and
                [v['Key'] for v in r['Versions']] == ['top', 'top', 'x y']
                and p['IsTruncated'] and p['NextKeyMarker'] == 'dir/a' and
                [v['Key'] for v in p['Versions']] == ['dir/a'] and
                u['Versions'][0]['Key'] in ('x%20y', 'x y'))

    def bucket_not_empty():
        return s3tap.code_of(s3.delete_bucket, **b) == 'BucketNotEmpty'

    def delete_everything():
        for key, vid, _, _ in all_versions(s3, BUCKET):
            s3.delete_object(Key=key, VersionId=vid, **b)
        s3.delete_bucket(**b)
        return BUCKET not in [x['Name'] for x in
                              s3.list_buckets()['Buckets']]

    return s3tap.run([
        ('GetBucketVersioning of a new bucket has no Status',
         never_versioned),
        ('PutBucketVersioning with a bad Status is MalformedXML',
         bad_status),
        ('a PUT before versioning has no version id', null_before),
        ('PutBucketVersioning Enabled', enable),
        ('%d PUTs of one key get %d version ids' % (NVERS, NVERS),
         many_versions),
        ('ListObjectVersions: newest first, the null version last',
         listed_in_order),
        ('ListObjectVersions in pages of 4 gives the same list',
         listed_in_pages),
        ('every version reads back by id with its SHA-256', read_back),
        ('GET without versionId reads the latest', latest_is_last),
        ('HEAD of a version', head_version),
        ('a malformed versionId is InvalidArgument', invalid_id),
        ('an unknown versionId is NoSuchVersion', unknown_id),
        ('DELETE without versionId adds a delete marker', delete_marker),
        ('GET after it: 404 with x-amz-delete-marker', get_after_marker),
        ('HEAD after it: 404 with x-amz-delete-marker', head_after_marker),
        ('GET of the marker by id: 405 with x-amz-delete-marker',
         get_marker_by_id),
        ('ListObjects and ListObjectsV2 skip the key', list_skips_marker),
        ('the marker is listed as the latest version',
         marker_listed_latest),
        ('DELETE of the marker by id brings the key back',
         delete_marker_by_id),
        ('DELETE ?versionId removes that version for good',
         delete_one_version),
        ('DELETE of the latest by id makes the previous one latest',
         delete_latest_promotes),
        ('DELETE of a version that is not there is 204',
         delete_missing_version),
        ('CopyObject of an old version restores it as a new version',
         copy_old_version),
        ('CompleteMultipartUpload returns a version id', multipart_version),
        ('tagging of a given version leaves the others alone',
         tagging_by_version),
        ('DeleteObjects with VersionId, markers and a bad id',
         delete_objects_versions),
        ('PutBucketVersioning Suspended', suspend),
        ('in a suspended bucket a PUT replaces the null version only',
         suspended_puts_null),
        ('in a suspended bucket a DELETE makes a null delete marker',
         suspended_delete),
        ('ListObjectVersions with a delimiter, a prefix, url encoding',
         delimiter_and_prefix),
        ('a bucket with versions is not empty', bucket_not_empty),
        ('deleting every version lets the bucket go', delete_everything),
    ] + lock_checks(s3))


def lock_checks(s3):
    """lock_checks returns the object lock checks, on their own buckets."""
    lb = dict(Bucket='lock-bucket')
    pb = dict(Bucket='plain-bucket')
    st = {}
    future = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(days=2)

    def create():
        s3.create_bucket(ObjectLockEnabledForBucket=True, **lb)
        s3.create_bucket(**pb)
        return s3.get_bucket_versioning(**lb)['Status'] == 'Enabled'

    def conf_without_rule():
        c = s3.get_object_lock_configuration(**lb)['ObjectLockConfiguration']
        return c == {'ObjectLockEnabled': 'Enabled'}

    def plain_bucket_errors():
        return (s3tap.code_of(s3.get_object_lock_configuration, **pb) ==
                'ObjectLockConfigurationNotFoundError' and
                s3tap.code_of(s3.put_object_lock_configuration,
                              ObjectLockConfiguration={
                                  'ObjectLockEnabled': 'Enabled'}, **pb) ==
                'InvalidBucketState' and
                s3tap.code_of(s3.put_object, Key='x', Body=b'x',
                              ObjectLockMode='GOVERNANCE',
                              ObjectLockRetainUntilDate=future, **pb) ==
                'InvalidRequest')

    def no_retention_yet():
        st['free'] = s3.put_object(Key='free', Body=b'free', **lb)['VersionId']
        return s3tap.code_of(s3.get_object_retention, Key='free',
                             **lb) == 'NoSuchObjectLockConfiguration'

    def bad_conf():
        return s3tap.code_of(s3.put_object_lock_configuration,
                             ObjectLockConfiguration={
                                 'ObjectLockEnabled': 'Enabled',
                                 'Rule': {'DefaultRetention': {
                                     'Mode': 'GOVERNANCE', 'Days': 1,
                                     'Years': 1}}}, **lb) == 'MalformedXML'

    def default_rule():
        rule = {'DefaultRetention': {'Mode': 'GOVERNANCE', 'Days': 1}}
        s3.put_object_lock_configuration(ObjectLockConfiguration={
            'ObjectLockEnabled': 'Enabled', 'Rule': rule}, **lb)
        c = s3.get_object_lock_configuration(**lb)['ObjectLockConfiguration']
        st['gov'] = s3.put_object(Key='gov', Body=b'g', **lb)['VersionId']
        h = s3.head_object(Key='gov', **lb)
        left = h['ObjectLockRetainUntilDate'] - datetime.datetime.now(
            datetime.timezone.utc)
        return (c.get('Rule') == rule and
                h['ObjectLockMode'] == 'GOVERNANCE' and
                datetime.timedelta(hours=23) < left <
                datetime.timedelta(hours=25))

    def governance_delete():
        v = st['gov']
        denied = s3tap.code_of(s3.delete_object, Key='gov', VersionId=v,
                               **lb)
        s3.delete_object(Key='gov', VersionId=v,
                         BypassGovernanceRetention=True, **lb)
        return (denied == 'AccessDenied' and s3tap.code_of(
            s3.head_object, Key='gov', VersionId=v, **lb) in
            ('404', 'NoSuchVersion'))

    def compliance():
        v = s3.put_object(Key='comp', Body=b'c', ObjectLockMode='COMPLIANCE',
                          ObjectLockRetainUntilDate=future,
                          **lb)['VersionId']
        st['comp'] = v
        r = s3.get_object_retention(Key='comp', VersionId=v, **lb)
        return (r['Retention']['Mode'] == 'COMPLIANCE' and
                s3tap.code_of(s3.delete_object, Key='comp', VersionId=v,
                              BypassGovernanceRetention=True, **lb) ==
                'AccessDenied' and
                s3.delete_object(Key='comp', **lb)['DeleteMarker'])

    def compliance_not_shortened():
        sooner = future - datetime.timedelta(days=1)
        later = future + datetime.timedelta(days=1)
        short = s3tap.code_of(s3.put_object_retention, Key='comp',
                              VersionId=st['comp'], Retention={
                                  'Mode': 'COMPLIANCE',
                                  'RetainUntilDate': sooner}, **lb)
        s3.put_object_retention(Key='comp', VersionId=st['comp'], Retention={
            'Mode': 'COMPLIANCE', 'RetainUntilDate': later}, **lb)
        r = s3.get_object_retention(Key='comp', VersionId=st['comp'], **lb)
        return (short == 'AccessDenied' and
                r['Retention']['RetainUntilDate'] > future)

    def legal_hold():
        v = st['free']
        s3.put_object_legal_hold(Key='free', VersionId=v, LegalHold={
            'Status': 'ON'}, **lb)
        on = s3.get_object_legal_hold(Key='free', VersionId=v, **lb)
        held = s3tap.code_of(s3.delete_object, Key='free', VersionId=v,
                             BypassGovernanceRetention=True, **lb)
        s3.put_object_legal_hold(Key='free', VersionId=v, LegalHold={
            'Status': 'OFF'}, **lb)
        gone = s3tap.status_of(s3.delete_object, Key='free', VersionId=v,
                               **lb)
        return (on['LegalHold']['Status'] == 'ON' and
                held == 'AccessDenied' and gone == 204)

    def no_suspend():
        return s3tap.code_of(s3.put_bucket_versioning,
                             VersioningConfiguration={'Status': 'Suspended'},
                             **lb) == 'InvalidBucketState'

    def retention_on_plain_bucket():
        s3.put_object(Key='p', Body=b'p', **pb)
        return s3tap.code_of(s3.put_object_retention, Key='p', Retention={
            'Mode': 'GOVERNANCE', 'RetainUntilDate': future},
            **pb) == 'InvalidRequest'

    return [
        ('CreateBucket with object lock turns versioning on', create),
        ('GetObjectLockConfiguration without a rule', conf_without_rule),
        ('a bucket without object lock: S3\'s errors', plain_bucket_errors),
        ('a version without retention: NoSuchObjectLockConfiguration',
         no_retention_yet),
        ('a rule with Days and Years is MalformedXML', bad_conf),
        ('the default retention applies to a new version', default_rule),
        ('GOVERNANCE: DELETE of the version is AccessDenied, but not '
         'with the bypass', governance_delete),
        ('COMPLIANCE: no DELETE of the version, a delete marker is fine',
         compliance),
        ('COMPLIANCE retention can be extended, not shortened',
         compliance_not_shortened),
        ('a legal hold keeps a version until it is OFF', legal_hold),
        ('versioning of an object lock bucket cannot be suspended',
         no_suspend),
        ('PutObjectRetention in a bucket without object lock',
         retention_on_plain_bucket),
    ]


def keep(s3, mode, bucket):
    """keep writes (or checks) versions of big objects for the sweep test;
    the version ids and digests go to a JSON file beside the script's
    output, in the current directory."""
    if mode == 'keep':
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={
            'Status': 'Enabled'})
        sums = {}
        for i in range(3):
            body = os.urandom(300000 + i)
            r = s3.put_object(Bucket=bucket, Key='big', Body=body)
            sums[r['VersionId']] = sha(body)
        s3.delete_object(Bucket=bucket, Key='big')
        with open('versions.json', 'w') as f:
            json.dump(sums, f)
        return 0
    with open('versions.json') as f:
        sums = json.load(f)
    checks = []
    for vid, want in sums.items():
        def one(vid=vid, want=want):
            r = s3.get_object(Bucket=bucket, Key='big', VersionId=vid)
            return sha(r['Body'].read()) == want
        checks.append(('noncurrent version %s reads back' % vid[:8], one))
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
