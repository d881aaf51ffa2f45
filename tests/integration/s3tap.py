"""s3tap.py - what the boto3 test scripts share: a client and a TAP runner.

The scripts beside this file import it; their own directory is first on
sys.path when they run.  Credentials and region come from the AWS_*
environment that tests/integration/lib.sh sets.
"""

import traceback

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(endpoint, style='path'):
    """client returns an S3 client for endpoint that never retries."""
    conf = Config(s3={'addressing_style': style},
                  retries={'total_max_attempts': 1})
    return boto3.client('s3', endpoint_url=endpoint, config=conf,
                        region_name='us-east-1')


def code_of(fn, **kw):
    """code_of calls fn and returns the S3 error code, or None."""
    try:
        fn(**kw)
    except ClientError as e:
        return e.response.get('Error', {}).get('Code')
    return None


def status_of(fn, **kw):
    """status_of returns the HTTP status of a call, success or not."""
    try:
        r = fn(**kw)
    except ClientError as e:
        return e.response['ResponseMetadata']['HTTPStatusCode']
    return r['ResponseMetadata']['HTTPStatusCode']


def run(checks, plan=True):
    """run prints the plan (unless plan is false: the caller's script
    prints it), then one TAP line per (name, callable) check.

    A check passes when its callable returns something true; one that
    raises fails alone, with the traceback as diagnostics.  Returns the
    exit status: 0 if every check passed."""
    if plan:
        print('1..%d' % len(checks))
    failed = 0
    for n, (name, fn) in enumerate(checks, 1):
        try:
            good = bool(fn())
        except Exception:   # pylint: disable=broad-except
            good = False
            for line in traceback.format_exc().splitlines():
                print('# ' + line)
        failed += not good
        print('%sok %d - %s' % ('' if good else 'not ', n, name))
    return 1 if failed else 0
