"""users.py - two users, bucket policies and canned ACLs, through boto3.

usage: users.py ENDPOINT ALICE_KEY ALICE_SECRET BOB_KEY BOB_SECRET

Root's credentials come from the AWS_* environment (lib.sh).  Alice and
Bob are users made with "cairn user add" before.  Anonymous requests are
sent unsigned with urllib.
"""

import json
import sys
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

import s3tap
from s3tap import code_of

EP = sys.argv[1]
ROOT = s3tap.client(EP)
CONF = Config(s3={'addressing_style': 'path'},
              retries={'total_max_attempts': 1}, signature_version='s3v4')


def user(ak, sk):
    """user returns a client signing with a user's keys."""
    return boto3.client('s3', endpoint_url=EP, config=CONF,
                        region_name='us-east-1', aws_access_key_id=ak,
                        aws_secret_access_key=sk)


ALICE = user(sys.argv[2], sys.argv[3])
BOB = user(sys.argv[4], sys.argv[5])
AB, BB, PB = 'alice-b', 'bob-b', 'alice-pub'


def anon(method, path, body=None):
    """anon sends an unsigned request; returns (status, body)."""
    req = urllib.request.Request(EP + path, data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def denied(status_body):
    """denied tells whether an answer is 403 with AccessDenied XML."""
    status, body = status_body
    return status == 403 and b'<Code>AccessDenied</Code>' in body


def policy(*statements):
    """policy makes a policy document of the statements."""
    return json.dumps({'Version': '2012-10-17', 'Statement': list(statements)})


def stmt(effect, principal, actions, resources, cond=None):
    """stmt makes one statement."""
    s = {'Effect': effect, 'Principal': principal, 'Action': actions,
         'Resource': resources}
    if cond:
        s['Condition'] = cond
    return s


def setup():
    """setup makes a bucket per user with an object in each."""
    ALICE.create_bucket(Bucket=AB)
    BOB.create_bucket(Bucket=BB)
    ALICE.put_object(Bucket=AB, Key='doc', Body=b'alice data')
    ALICE.put_object(Bucket=AB, Key='secret/x', Body=b'top secret')
    BOB.put_object(Bucket=BB, Key='doc', Body=b'bob data')
    return True


def names(client):
    """names lists the buckets a client sees."""
    return sorted(b['Name'] for b in client.list_buckets()['Buckets'])


def alice_owner():
    """alice_owner checks the Owner of Alice's ListBuckets."""
    o = ALICE.list_buckets()['Owner']
    return o['DisplayName'] == 'alice' and len(o['ID']) == 64


def malformed(doc):
    """malformed tells the S3 error of putting doc on Alice's bucket."""
    return code_of(ALICE.put_bucket_policy, Bucket=AB, Policy=doc)


def bob_reads():
    """bob_reads tells whether Bob may read Alice's doc."""
    return code_of(BOB.get_object, Bucket=AB, Key='doc') is None


def grant_bob_read():
    """grant_bob_read lets Bob list and read Alice's bucket."""
    ALICE.put_bucket_policy(Bucket=AB, Policy=policy(stmt(
        'Allow', {'AWS': ['bob']}, ['s3:GetObject', 's3:ListBucket'],
        ['arn:aws:s3:::alice-b', 'arn:aws:s3:::alice-b/*'])))
    return True


def deny_secret():
    """deny_secret adds a Deny of secret/* for everyone to the grant."""
    ALICE.put_bucket_policy(Bucket=AB, Policy=policy(
        stmt('Allow', {'AWS': 'arn:aws:iam::cairn:user/bob'},
             's3:Get*', 'arn:aws:s3:::alice-b/*'),
        stmt('Deny', '*', 's3:GetObject', 'arn:aws:s3:::alice-b/secret/*')))
    return True


def policy_roundtrip():
    """policy_roundtrip stores a policy and reads the same one back."""
    doc = policy(stmt('Allow', {'AWS': '*'}, 's3:GetObject',
                      'arn:aws:s3:::alice-b/pub/*'))
    ALICE.put_bucket_policy(Bucket=AB, Policy=doc)
    return json.loads(ALICE.get_bucket_policy(Bucket=AB)['Policy']) == \
        json.loads(doc)


def ip_policy(cidr):
    """ip_policy lets anyone from cidr read Alice's objects."""
    ALICE.put_bucket_policy(Bucket=AB, Policy=policy(stmt(
        'Allow', '*', 's3:GetObject', 'arn:aws:s3:::alice-b/*',
        {'IpAddress': {'aws:SourceIp': cidr}})))
    return True


def grants(acl):
    """grants lists (grantee URI or ID, permission) of an ACL answer."""
    return sorted((g['Grantee'].get('URI', g['Grantee'].get('ID')),
                   g['Permission']) for g in acl['Grants'])


def public_object_acl():
    """public_object_acl checks GetObjectAcl of a public-read object."""
    ALICE.put_object(Bucket=AB, Key='pub.txt', Body=b'hello world',
                     ACL='public-read')
    acl = ALICE.get_object_acl(Bucket=AB, Key='pub.txt')
    owner = acl['Owner']['ID']
    return grants(acl) == sorted([
        (owner, 'FULL_CONTROL'),
        ('http://acs.amazonaws.com/groups/global/AllUsers', 'READ')])


def acl_body(owner, extra):
    """acl_body is an AccessControlPolicy with the owner's grant and extra."""
    g = [{'Grantee': {'Type': 'CanonicalUser', 'ID': owner},
          'Permission': 'FULL_CONTROL'}] + extra
    return {'Owner': {'ID': owner}, 'Grants': g}


ALL_READ = [{'Grantee': {'Type': 'Group', 'URI':
                         'http://acs.amazonaws.com/groups/global/AllUsers'},
             'Permission': 'READ'}]


def object_acl_by_body():
    """object_acl_by_body makes an object public with a document."""
    owner = ALICE.get_object_acl(Bucket=AB, Key='doc')['Owner']['ID']
    ALICE.put_object_acl(Bucket=AB, Key='doc',
                         AccessControlPolicy=acl_body(owner, ALL_READ))
    ok = anon('GET', '/alice-b/doc') == (200, b'alice data')
    ALICE.put_object_acl(Bucket=AB, Key='doc', ACL='private')
    return ok and denied(anon('GET', '/alice-b/doc'))


def other_grant():
    """other_grant: a grant no canned ACL expresses is NotImplemented."""
    owner = ALICE.get_object_acl(Bucket=AB, Key='doc')['Owner']['ID']
    return code_of(ALICE.put_object_acl, Bucket=AB, Key='doc',
                   AccessControlPolicy=acl_body(owner, [
                       {'Grantee': {'Type': 'CanonicalUser', 'ID': 'f' * 64},
                        'Permission': 'READ'}])) == 'NotImplemented'


def public_bucket():
    """public_bucket: a public-read bucket lists for anyone, not reads."""
    ALICE.create_bucket(Bucket=PB, ACL='public-read')
    ALICE.put_object(Bucket=PB, Key='k', Body=b'v')
    st, body = anon('GET', '/alice-pub?list-type=2')
    return st == 200 and b'<Key>k</Key>' in body and \
        denied(anon('GET', '/alice-pub/k'))


def bucket_acl_private():
    """bucket_acl_private: PutBucketAcl private closes the listing."""
    acl = ALICE.get_bucket_acl(Bucket=PB)
    was_public = ('http://acs.amazonaws.com/groups/global/AllUsers',
                  'READ') in grants(acl)
    ALICE.put_bucket_acl(Bucket=PB, ACL='private')
    return was_public and denied(anon('GET', '/alice-pub?list-type=2')) and \
        len(grants(ALICE.get_bucket_acl(Bucket=PB))) == 1


def public_write():
    """public_write: public-read-write lets anyone put an object."""
    ALICE.put_bucket_acl(Bucket=PB, ACL='public-read-write')
    st, _ = anon('PUT', '/alice-pub/anon-put', b'from nobody')
    got = ALICE.get_object(Bucket=PB, Key='anon-put')['Body'].read()
    ALICE.put_bucket_acl(Bucket=PB, ACL='private')
    return st == 200 and got == b'from nobody'


def delete_errors(client, keys):
    """delete_errors runs DeleteObjects; returns ({key: code}, [deleted])."""
    r = client.delete_objects(Bucket=AB, Delete={
        'Objects': [{'Key': k} for k in keys]})
    return ({e['Key']: e['Code'] for e in r.get('Errors', [])},
            sorted(d['Key'] for d in r.get('Deleted', [])))


def bob_delete_many():
    """bob_delete_many: DeleteObjects is decided key by key."""
    ALICE.put_object(Bucket=AB, Key='tmp/a', Body=b'a')
    keys = ['doc', 'tmp/a']
    before = delete_errors(BOB, keys)
    ALICE.put_bucket_policy(Bucket=AB, Policy=policy(stmt(
        'Allow', {'AWS': 'bob'}, 's3:DeleteObject',
        'arn:aws:s3:::alice-b/tmp/*')))
    after = delete_errors(BOB, keys)
    ALICE.delete_bucket_policy(Bucket=AB)
    return before == ({'doc': 'AccessDenied', 'tmp/a': 'AccessDenied'}, []) \
        and after == ({'doc': 'AccessDenied'}, ['tmp/a']) and \
        ALICE.get_object(Bucket=AB, Key='doc')['Body'].read() == b'alice data'


def multipart_public():
    """multipart_public: CreateMultipartUpload keeps x-amz-acl."""
    up = ALICE.create_multipart_upload(Bucket=AB, Key='mp', ACL='public-read')
    part = ALICE.upload_part(Bucket=AB, Key='mp', PartNumber=1,
                             UploadId=up['UploadId'], Body=b'multi')
    ALICE.complete_multipart_upload(
        Bucket=AB, Key='mp', UploadId=up['UploadId'],
        MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
    return anon('GET', '/alice-b/mp') == (200, b'multi')


def copy_public():
    """copy_public: CopyObject takes the request's ACL, not the source's."""
    ALICE.copy_object(Bucket=AB, Key='copy-private',
                      CopySource={'Bucket': AB, 'Key': 'pub.txt'})
    ALICE.copy_object(Bucket=AB, Key='copy-public', ACL='public-read',
                      CopySource={'Bucket': AB, 'Key': 'doc'})
    return denied(anon('GET', '/alice-b/copy-private')) and \
        anon('GET', '/alice-b/copy-public') == (200, b'alice data')


def presigned():
    """presigned: a user's presigned URL works without other credentials."""
    url = ALICE.generate_presigned_url('get_object', Params={
        'Bucket': AB, 'Key': 'doc'}, ExpiresIn=300)
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status == 200 and r.read() == b'alice data'


def copy_denied():
    """copy_denied: Bob cannot copy Alice's object into his bucket."""
    return code_of(BOB.copy_object, Bucket=BB, Key='stolen',
                   CopySource={'Bucket': AB, 'Key': 'doc'}) == 'AccessDenied'


def main():
    """main runs the checks in order; each builds on the ones before."""
    checks = [
        ('each user creates a bucket and puts objects', setup),
        ('Alice lists only her bucket', lambda: names(ALICE) == [AB]),
        ('Bob lists only his bucket', lambda: names(BOB) == [BB]),
        ('root lists both', lambda: {AB, BB} <= set(names(ROOT))),
        ('ListBuckets names Alice as the owner', alice_owner),
        ('Bob cannot read Alice\'s object',
         lambda: code_of(BOB.get_object, Bucket=AB, Key='doc') ==
         'AccessDenied'),
        ('Bob cannot list Alice\'s bucket',
         lambda: code_of(BOB.list_objects_v2, Bucket=AB) == 'AccessDenied'),
        ('Bob cannot write into Alice\'s bucket',
         lambda: code_of(BOB.put_object, Bucket=AB, Key='x', Body=b'x') ==
         'AccessDenied'),
        ('Bob cannot delete Alice\'s bucket',
         lambda: code_of(BOB.delete_bucket, Bucket=AB) == 'AccessDenied'),
        ('Bob cannot read Alice\'s policy',
         lambda: code_of(BOB.get_bucket_policy, Bucket=AB) == 'AccessDenied'),
        ('Bob creating Alice\'s bucket is BucketAlreadyExists',
         lambda: code_of(BOB.create_bucket, Bucket=AB) ==
         'BucketAlreadyExists'),
        ('Alice cannot read Bob\'s object',
         lambda: code_of(ALICE.get_object, Bucket=BB, Key='doc') ==
         'AccessDenied'),
        ('Bob cannot copy Alice\'s object into his bucket', copy_denied),
        ('root reads Alice\'s object',
         lambda: ROOT.get_object(Bucket=AB, Key='doc')['Body'].read() ==
         b'alice data'),
        ('no policy yet is NoSuchBucketPolicy',
         lambda: code_of(ALICE.get_bucket_policy, Bucket=AB) ==
         'NoSuchBucketPolicy'),
        ('bad JSON is MalformedPolicy', lambda: malformed('{"Version":') ==
         'MalformedPolicy'),
        ('an unknown action is MalformedPolicy',
         lambda: malformed(policy(stmt('Allow', '*', 's3:FlyAway',
                                       'arn:aws:s3:::alice-b/*'))) ==
         'MalformedPolicy'),
        ('a resource of another bucket is MalformedPolicy',
         lambda: malformed(policy(stmt('Allow', '*', 's3:GetObject',
                                       'arn:aws:s3:::bob-b/*'))) ==
         'MalformedPolicy'),
        ('a statement without Principal is MalformedPolicy',
         lambda: malformed(json.dumps({'Statement': {
             'Effect': 'Allow', 'Action': 's3:*',
             'Resource': 'arn:aws:s3:::alice-b'}})) == 'MalformedPolicy'),
        ('a policy reads back as stored', policy_roundtrip),
        ('a policy granting Bob read is accepted', grant_bob_read),
        ('Bob now reads Alice\'s object', bob_reads),
        ('Bob now lists Alice\'s bucket',
         lambda: BOB.list_objects_v2(Bucket=AB)['KeyCount'] == 2),
        ('Bob still cannot write there',
         lambda: code_of(BOB.put_object, Bucket=AB, Key='x', Body=b'x') ==
         'AccessDenied'),
        ('a policy with an explicit Deny is accepted', deny_secret),
        ('Bob reads what the Allow covers', bob_reads),
        ('the explicit Deny wins over the Allow',
         lambda: code_of(BOB.get_object, Bucket=AB, Key='secret/x') ==
         'AccessDenied'),
        ('the Deny binds the owner too',
         lambda: code_of(ALICE.get_object, Bucket=AB, Key='secret/x') ==
         'AccessDenied'),
        ('DeleteBucketPolicy', lambda: ALICE.delete_bucket_policy(
            Bucket=AB)['ResponseMetadata']['HTTPStatusCode'] == 204),
        ('without the policy Bob is denied again',
         lambda: code_of(BOB.get_object, Bucket=AB, Key='doc') ==
         'AccessDenied'),
        ('an IpAddress 127.0.0.0/8 policy', lambda: ip_policy('127.0.0.0/8')),
        ('lets an anonymous GET from 127.0.0.1 in',
         lambda: anon('GET', '/alice-b/doc') == (200, b'alice data')),
        ('an IpAddress 10.0.0.0/8 policy', lambda: ip_policy('10.0.0.0/8')),
        ('keeps the anonymous GET out (403 AccessDenied)',
         lambda: denied(anon('GET', '/alice-b/doc'))),
        ('and Bob too',
         lambda: code_of(BOB.get_object, Bucket=AB, Key='doc') ==
         'AccessDenied'),
        ('policy removed', lambda: ALICE.delete_bucket_policy(Bucket=AB)),
        ('DeleteObjects is decided for each key', bob_delete_many),
        ('a public-read object shows AllUsers READ in its ACL',
         public_object_acl),
        ('an AccessControlPolicy body sets an object ACL',
         object_acl_by_body),
        ('other grants are NotImplemented', other_grant),
        ('a multipart upload keeps its canned ACL', multipart_public),
        ('a copy gets the request\'s ACL', copy_public),
        ('a user\'s presigned URL', presigned),
        ('an unknown x-amz-acl is InvalidArgument',
         lambda: code_of(ALICE.put_object, Bucket=AB, Key='y', Body=b'y',
                         ACL='wide-open') == 'InvalidArgument'),
        ('a public-read bucket lists for anonymous clients', public_bucket),
        ('PutBucketAcl private closes it', bucket_acl_private),
        ('public-read-write lets anonymous clients write', public_write),
        ('anonymous ListBuckets is AccessDenied',
         lambda: denied(anon('GET', '/'))),
    ]
    return s3tap.run(checks)


if __name__ == '__main__':
    sys.exit(main())
