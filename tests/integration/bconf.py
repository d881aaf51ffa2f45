#!/usr/bin/python3
"""bconf.py - bucket tagging, CORS, notification and replication configurations.

Usage: bconf.py ENDPOINT_URL CAIRN_CONF SET_VERSIONING [--no-plan]
       bconf.py --count

SET_VERSIONING is the test helper that sets a bucket's versioning in metad,
used only while gatewayd does not answer PutBucketVersioning.  Prints TAP.
Each check is one line; a check that raises fails alone.
"""

import http.client
import os
import subprocess
import sys
import urllib.parse

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import s3tap

B = 'bconf-bucket'
ARN_SNS = 'arn:aws:sns:us-east-1:123456789012:topic'
ARN_SQS = 'arn:aws:sqs:us-east-1:123456789012:queue'
ARN_LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:fn'


def raw(endpoint, method, path, body=b'', headers=None, sent=None):
    """raw sends a SigV4-signed request with a body as given (or, if sent
    is not None, signs body but sends sent); returns (status, headers,
    body)."""
    url = endpoint + path
    req = AWSRequest(method=method, url=url, data=body,
                     headers=dict(headers or {}))
    creds = Credentials(os.environ['AWS_ACCESS_KEY_ID'],
                        os.environ['AWS_SECRET_ACCESS_KEY'])
    S3SigV4Auth(creds, 's3', 'us-east-1').add_auth(req)
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.netloc, timeout=30)
    conn.request(method, u.path + ('?' + u.query if u.query else ''),
                 body=body if sent is None else sent,
                 headers=dict(req.headers))
    r = conn.getresponse()
    out = (r.status, dict(r.getheaders()), r.read())
    conn.close()
    return out


def err_of(fn, **kw):
    """err_of returns (code, message, status) of a failing call."""
    try:
        fn(**kw)
    except ClientError as e:
        er = e.response.get('Error', {})
        return (er.get('Code'), er.get('Message'),
                e.response['ResponseMetadata']['HTTPStatusCode'])
    return None


def tag_set(pairs):
    return {'TagSet': [{'Key': k, 'Value': v} for k, v in pairs]}


def tagging_checks(s3, ep):
    g = dict(Bucket=B)

    def roundtrip():
        pairs = [('team', 'storage'), ('\u00e9t\u00e9', 'x & <y>'),
                 ('empty', ''), ('k' * 128, '\u00e9' * 256)]
        st = s3.put_bucket_tagging(Tagging=tag_set(pairs), **g)
        got = [(t['Key'], t['Value'])
               for t in s3.get_bucket_tagging(**g)['TagSet']]
        return (st['ResponseMetadata']['HTTPStatusCode'] == 204 and
                got == pairs)

    def put_err(pairs):
        return err_of(s3.put_bucket_tagging, Tagging=tag_set(pairs), **g)

    def malformed():
        st, _, body = raw(ep, 'PUT', '/%s?tagging' % B,
                          b'<Tagging><TagSet><Tag><Key>a</Key>')
        st2, _, body2 = raw(ep, 'PUT', '/%s?tagging' % B,
                            b'<Tagging><TagSet><Tag><Value>v</Value></Tag>'
                            b'</TagSet></Tagging>')
        return (st == 400 and b'MalformedXML' in body and st2 == 400 and
                b'MalformedXML' in body2)

    doc = (b'<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag>'
           b'</TagSet></Tagging>')

    def bad_md5():
        st, _, body = raw(ep, 'PUT', '/%s?tagging' % B, doc, headers={
            'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg=='})
        return st == 400 and b'<Code>BadDigest</Code>' in body

    def tampered():
        st, _, body = raw(ep, 'PUT', '/%s?tagging' % B, doc,
                          sent=doc.replace(b'<Value>b', b'<Value>c'))
        return st == 400 and b'XAmzContentSHA256Mismatch' in body

    def delete():
        st = s3.delete_bucket_tagging(**g)
        return (st['ResponseMetadata']['HTTPStatusCode'] == 204 and
                err_of(s3.get_bucket_tagging, **g)[0] == 'NoSuchTagSet')

    return [
        ('GetBucketTagging of none: 404 NoSuchTagSet',
         lambda: err_of(s3.get_bucket_tagging, **g) ==
         ('NoSuchTagSet', 'The TagSet does not exist', 404)),
        ('PutBucketTagging answers 204, GetBucketTagging returns the set',
         roundtrip),
        ('51 tags: InvalidTag',
         lambda: put_err([('k%d' % i, 'v') for i in range(51)]) ==
         ('InvalidTag', 'Bucket tag count cannot be greater than 50', 400)),
        ('a key twice: InvalidTag',
         lambda: put_err([('a', '1'), ('a', '2')]) ==
         ('InvalidTag', 'Cannot provide multiple Tags with the same key',
          400)),
        ('a key of 129 characters: InvalidTag',
         lambda: put_err([('k' * 129, 'v')])[0] == 'InvalidTag'),
        ('a value of 257 characters: InvalidTag',
         lambda: put_err([('k', '\u00e9' * 257)])[0] == 'InvalidTag'),
        ('an empty key: InvalidTag',
         lambda: raw(ep, 'PUT', '/%s?tagging' % B,
                     b'<Tagging><TagSet><Tag><Key></Key><Value>v</Value>'
                     b'</Tag></TagSet></Tagging>')[0] == 400),
        ('an aws: key: InvalidTag',
         lambda: put_err([('aws:cloudformation', 'v')])[0] == 'InvalidTag'),
        ('a refused set leaves the stored one',
         lambda: len(s3.get_bucket_tagging(**g)['TagSet']) == 4),
        ('bad XML: MalformedXML', malformed),
        ('a wrong Content-MD5: BadDigest', bad_md5),
        ('a body other than the signed one: XAmzContentSHA256Mismatch',
         tampered),
        ('DeleteBucketTagging answers 204 and removes the set', delete),
        ('a missing bucket: NoSuchBucket',
         lambda: err_of(s3.get_bucket_tagging, Bucket='no-such-bkt')[0] ==
         'NoSuchBucket' and err_of(s3.put_bucket_tagging,
                                   Bucket='no-such-bkt',
                                   Tagging=tag_set([('a', 'b')]))[0] ==
         'NoSuchBucket'),
    ]


CORS = {'CORSRules': [
    {'ID': 'web', 'AllowedMethods': ['GET', 'HEAD'],
     'AllowedOrigins': ['https://*.example.com'],
     'AllowedHeaders': ['x-amz-*', 'Content-Type'],
     'ExposeHeaders': ['ETag', 'x-amz-request-id'], 'MaxAgeSeconds': 600},
    {'AllowedMethods': ['PUT', 'POST', 'DELETE'],
     'AllowedOrigins': ['*']},
]}


def cors_checks(s3, ep):
    g = dict(Bucket=B)

    def put_err(rules):
        return err_of(s3.put_bucket_cors, CORSConfiguration={
            'CORSRules': rules}, **g)

    def rule(**kw):
        r = {'AllowedMethods': ['GET'], 'AllowedOrigins': ['*']}
        r.update(kw)
        return r

    def roundtrip():
        st = s3.put_bucket_cors(CORSConfiguration=CORS, **g)
        got = s3.get_bucket_cors(**g)['CORSRules']
        return (st['ResponseMetadata']['HTTPStatusCode'] == 200 and
                got == CORS['CORSRules'])

    def missing_origin():
        st, _, body = raw(ep, 'PUT', '/%s?cors' % B,
                          b'<CORSConfiguration><CORSRule><AllowedMethod>GET'
                          b'</AllowedMethod></CORSRule></CORSConfiguration>')
        return st == 400 and b'MalformedXML' in body

    def delete():
        st = s3.delete_bucket_cors(**g)
        return (st['ResponseMetadata']['HTTPStatusCode'] == 204 and
                err_of(s3.get_bucket_cors, **g)[0] ==
                'NoSuchCORSConfiguration')

    return [
        ('GetBucketCors of none: 404 NoSuchCORSConfiguration',
         lambda: err_of(s3.get_bucket_cors, **g) ==
         ('NoSuchCORSConfiguration', 'The CORS configuration does not exist',
          404)),
        ('PutBucketCors, GetBucketCors returns the rules', roundtrip),
        ('AllowedMethod PATCH: InvalidRequest',
         lambda: put_err([rule(AllowedMethods=['PATCH'])]) ==
         ('InvalidRequest', 'Found unsupported HTTP method in CORS config. '
          'Unsupported method is PATCH', 400)),
        ('an AllowedOrigin with two wildcards: InvalidRequest',
         lambda: put_err([rule(AllowedOrigins=['http://*.a.*'])]) ==
         ('InvalidRequest', 'AllowedOrigin "http://*.a.*" can not have more '
          'than one wildcard.', 400)),
        ('an ExposeHeader with a wildcard: InvalidRequest',
         lambda: put_err([rule(ExposeHeaders=['x-*'])])[:2] ==
         ('InvalidRequest', 'ExposeHeader "x-*" contains wildcard. We '
          'currently do not support wildcard for ExposeHeader.')),
        ('101 rules: MalformedXML',
         lambda: put_err([rule()] * 101)[0] == 'MalformedXML'),
        ('a rule without AllowedOrigin: MalformedXML', missing_origin),
        ('a refused configuration leaves the stored one',
         lambda: s3.get_bucket_cors(**g)['CORSRules'] == CORS['CORSRules']),
        ('DeleteBucketCors answers 204 and removes the rules', delete),
    ]


def notification_config():
    return {
        'TopicConfigurations': [{
            'Id': 'created', 'TopicArn': ARN_SNS,
            'Events': ['s3:ObjectCreated:*'],
            'Filter': {'Key': {'FilterRules': [
                {'Name': 'prefix', 'Value': 'images/'},
                {'Name': 'suffix', 'Value': '.jpg'}]}}}],
        'QueueConfigurations': [{
            'Id': 'removed', 'QueueArn': ARN_SQS,
            'Events': ['s3:ObjectRemoved:Delete',
                       's3:ObjectRemoved:DeleteMarkerCreated']}],
        'LambdaFunctionConfigurations': [{
            'Id': 'tags', 'LambdaFunctionArn': ARN_LAMBDA,
            'Events': ['s3:ObjectTagging:*']}],
    }


def notification_checks(s3, ep):
    g = dict(Bucket=B)

    def get():
        r = s3.get_bucket_notification_configuration(**g)
        r.pop('ResponseMetadata')
        return r

    def put_err(conf):
        return err_of(s3.put_bucket_notification_configuration,
                      NotificationConfiguration=conf, **g)

    def topic(**kw):
        t = {'TopicArn': ARN_SNS, 'Events': ['s3:ObjectCreated:Put']}
        t.update(kw)
        return {'TopicConfigurations': [t]}

    def two(ev_a, pre_a, ev_b, pre_b):
        return {'TopicConfigurations': [
            {'TopicArn': ARN_SNS, 'Events': [ev], 'Filter': {'Key': {
                'FilterRules': [{'Name': 'prefix', 'Value': pre}]}}}
            for ev, pre in ((ev_a, pre_a), (ev_b, pre_b))]}

    def overlap():
        return (put_err(two('s3:ObjectCreated:*', 'a/',
                            's3:ObjectCreated:Put', 'a/b/')) ==
                ('InvalidArgument', 'Configurations overlap. Configurations '
                 'on the same bucket cannot share a common event type.',
                 400) and
                put_err(two('s3:ObjectCreated:*', 'a/',
                            's3:ObjectCreated:Put', 'b/')) is None and
                put_err(two('s3:ObjectCreated:*', 'a/',
                            's3:ObjectRemoved:*', 'a/')) is None)

    def id_given():
        s3.put_bucket_notification_configuration(
            NotificationConfiguration=topic(), **g)
        ids = [t.get('Id', '') for t in get()['TopicConfigurations']]
        return len(ids) == 1 and len(ids[0]) == 48 and get() == get()

    def roundtrip():
        conf = notification_config()
        s3.put_bucket_notification_configuration(
            NotificationConfiguration=conf, **g)
        return get() == conf

    def empty_removes():
        s3.put_bucket_notification_configuration(
            NotificationConfiguration={}, **g)
        st, _, body = raw(ep, 'GET', '/%s?notification' % B)
        return get() == {} and st == 200 and b'<Topic' not in body

    def no_delete():
        st, _, body = raw(ep, 'DELETE', '/%s?notification' % B)
        return st == 405 and b'MethodNotAllowed' in body

    return [
        ('GetBucketNotificationConfiguration of none: empty',
         lambda: get() == {}),
        ('configurations that share an event and keys: InvalidArgument',
         overlap),
        ('a configuration without an Id is given one', id_given),
        ('PutBucketNotificationConfiguration, Get returns it', roundtrip),
        ('an unknown event: InvalidArgument',
         lambda: put_err(topic(Events=['s3:ObjectCreated:Nope'])) ==
         ('InvalidArgument', 'The event is not supported for notifications',
          400)),
        ('a bad ARN: InvalidArgument',
         lambda: put_err(topic(TopicArn='arn:aws:sqs:us-east-1:1:q')) ==
         ('InvalidArgument', 'The ARN is not well formed', 400) and
         put_err(topic(TopicArn='topic'))[0] == 'InvalidArgument'),
        ('two prefix rules: InvalidArgument',
         lambda: put_err(topic(Filter={'Key': {'FilterRules': [
             {'Name': 'prefix', 'Value': 'a'},
             {'Name': 'prefix', 'Value': 'b'}]}})) ==
         ('InvalidArgument', 'Cannot specify more than one prefix rule in a '
          'filter.', 400)),
        ('a filter rule other than prefix or suffix: InvalidArgument',
         lambda: put_err(topic(Filter={'Key': {'FilterRules': [
             {'Name': 'middle', 'Value': 'a'}]}}))[0] == 'InvalidArgument'),
        ('a refused configuration leaves the stored one',
         lambda: get() == notification_config()),
        ('DELETE ?notification: MethodNotAllowed', no_delete),
        ('an empty configuration removes it', empty_removes),
    ]


def replication_config(dest='arn:aws:s3:::bconf-dest', **rule):
    r = {'ID': 'all', 'Priority': 1, 'Status': 'Enabled',
         'Filter': {'Prefix': 'logs/'},
         'DeleteMarkerReplication': {'Status': 'Disabled'},
         'Destination': {'Bucket': dest, 'StorageClass': 'STANDARD'}}
    r.update(rule)
    return {'Role': 'arn:aws:iam::123456789012:role/repl', 'Rules': [r]}


def set_versioning(s3, conf, helper):
    """set_versioning enables versioning through S3 if gatewayd answers
    PutBucketVersioning, else straight in metad with the helper."""
    try:
        s3.put_bucket_versioning(
            Bucket=B, VersioningConfiguration={'Status': 'Enabled'})
        return True
    except ClientError as e:
        if e.response['Error']['Code'] not in ('NotImplemented',
                                               'MethodNotAllowed'):
            raise
    return subprocess.run([helper, conf, B, 'enabled']).returncode == 0


def replication_checks(s3, ep, conf, helper):
    g = dict(Bucket=B)

    def put_err(c):
        return err_of(s3.put_bucket_replication, ReplicationConfiguration=c,
                      **g)

    def raw_put(xml):
        st, _, body = raw(ep, 'PUT', '/%s?replication' % B, xml)
        return st, body

    def bad_status():
        st, body = raw_put(
            b'<ReplicationConfiguration><Role>r</Role><Rule><Status>On'
            b'</Status><Prefix></Prefix><Destination><Bucket>'
            b'arn:aws:s3:::bconf-dest</Bucket></Destination></Rule>'
            b'</ReplicationConfiguration>')
        return st == 400 and b'MalformedXML' in body

    def two_priorities():
        c = replication_config()
        c['Rules'].append(dict(c['Rules'][0], ID='two'))
        return put_err(c)[0] == 'InvalidRequest'

    no_marker = replication_config()
    del no_marker['Rules'][0]['DeleteMarkerReplication']

    def roundtrip():
        c = replication_config()
        st = s3.put_bucket_replication(ReplicationConfiguration=c, **g)
        got = s3.get_bucket_replication(**g)['ReplicationConfiguration']
        return st['ResponseMetadata']['HTTPStatusCode'] == 200 and got == c

    def id_given():
        c = replication_config()
        del c['Rules'][0]['ID']
        s3.put_bucket_replication(ReplicationConfiguration=c, **g)
        got = s3.get_bucket_replication(**g)['ReplicationConfiguration']
        return len(got['Rules'][0].get('ID', '')) == 48

    def delete():
        st = s3.delete_bucket_replication(**g)
        return (st['ResponseMetadata']['HTTPStatusCode'] == 204 and
                err_of(s3.get_bucket_replication, **g)[0] ==
                'ReplicationConfigurationNotFoundError')

    return [
        ('GetBucketReplication of none: 404 '
         'ReplicationConfigurationNotFoundError',
         lambda: err_of(s3.get_bucket_replication, **g) ==
         ('ReplicationConfigurationNotFoundError',
          'The replication configuration was not found', 404)),
        ('versioning not Enabled: InvalidRequest',
         lambda: put_err(replication_config()) ==
         ('InvalidRequest', "Versioning must be 'Enabled' on the bucket to "
          "apply a replication configuration", 400)),
        ('a Filter without DeleteMarkerReplication: InvalidRequest',
         lambda: put_err(no_marker) == ('InvalidRequest', 'DeleteMarkerReplication must be specified '
             'for this version of Cross Region Replication configuration '
             'schema.', 400)),
        ('a destination that is no bucket ARN: InvalidArgument',
         lambda: put_err(replication_config(dest='bconf-dest'))[0] ==
         'InvalidArgument'),
        ('the bucket itself as destination: InvalidRequest',
         lambda: put_err(replication_config(dest='arn:aws:s3:::' + B))[0] ==
         'InvalidRequest'),
        ('a Status other than Enabled or Disabled: MalformedXML',
         bad_status),
        ('two rules of one priority: InvalidRequest', two_priorities),
        ('versioning enabled (through S3 or metad)',
         lambda: set_versioning(s3, conf, helper)),
        ('PutBucketReplication, GetBucketReplication returns it', roundtrip),
        ('a rule without an ID is given one', id_given),
        ('DeleteBucketReplication answers 204 and removes it', delete),
    ]


def recreate_checks(s3):
    g = dict(Bucket=B)

    def all_gone():
        s3.put_bucket_tagging(Tagging=tag_set([('a', 'b')]), **g)
        s3.put_bucket_cors(CORSConfiguration=CORS, **g)
        s3.put_bucket_notification_configuration(
            NotificationConfiguration=notification_config(), **g)
        s3.put_bucket_replication(
            ReplicationConfiguration=replication_config(), **g)
        s3.delete_bucket(**g)
        s3.create_bucket(**g)
        n = s3.get_bucket_notification_configuration(**g)
        n.pop('ResponseMetadata')
        return (err_of(s3.get_bucket_tagging, **g)[0] == 'NoSuchTagSet' and
                err_of(s3.get_bucket_cors, **g)[0] ==
                'NoSuchCORSConfiguration' and n == {} and
                err_of(s3.get_bucket_replication, **g)[0] ==
                'ReplicationConfigurationNotFoundError')

    return [('a deleted and re-created bucket has none of the old '
             'configurations', all_gone)]


def all_checks(s3, ep, conf, helper):
    return (tagging_checks(s3, ep) + cors_checks(s3, ep) +
            notification_checks(s3, ep) +
            replication_checks(s3, ep, conf, helper) + recreate_checks(s3))


def main():
    if sys.argv[1:] == ['--count']:
        # Nothing is sent: the client only connects when a check runs.
        print(len(all_checks(s3tap.client('http://127.0.0.1:9'),
                             'http://127.0.0.1:9', '', '')))
        return 0
    ep, conf, helper = sys.argv[1:4]
    s3 = s3tap.client(ep)
    s3.create_bucket(Bucket=B)
    return s3tap.run(all_checks(s3, ep, conf, helper),
                     plan='--no-plan' not in sys.argv)


if __name__ == '__main__':
    sys.exit(main())
