"""s3tap.py - what the Python test scripts share: a TAP runner, the checks
they are written with, and a boto3 client.

The scripts beside this file import it; their own directory is first on
sys.path when they run.  Credentials and region come from the AWS_*
environment that tests/integration/lib.sh sets.
"""

import json
import subprocess
import sys
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


class Failed(Exception):
    """Failed carries the diagnostics of a check that did not hold."""


def expect(cond, *diag):
    """expect raises Failed, with the lines diag, unless cond is true."""
    if not cond:
        raise Failed('\n'.join(str(d) for d in diag) or 'condition false')


def gateway_stats(cairn, conf, *names):
    """gateway_stats returns the named counters of gatewayd, read with
    `cairn -f conf --json status`, as a tuple."""
    out = subprocess.run([cairn, '-f', conf, '--json', 'status'],
                         check=True, capture_output=True).stdout
    for d in json.loads(out)['daemons']:
        if d['name'] == 'gatewayd':
            return tuple(d['stats'][n] for n in names)
    raise Failed('no gatewayd in cairn status')


def _error_response(fn, *args, **kw):
    """_error_response calls fn, which must fail, and returns the S3
    error response; a call that succeeds raises Failed."""
    try:
        fn(*args, **kw)
    except ClientError as e:
        return e.response
    raise Failed('the call succeeded, an error was expected')


def error_of(fn, *args, **kw):
    """error_of calls fn, which must fail, and returns (S3 error code,
    HTTP status)."""
    r = _error_response(fn, *args, **kw)
    return (r.get('Error', {}).get('Code'),
            r.get('ResponseMetadata', {}).get('HTTPStatusCode'))


def expect_error(want_code, want_status, fn, *args, **kw):
    """expect_error calls fn, which must fail with want_code and
    want_status, and returns the error's message."""
    r = _error_response(fn, *args, **kw)
    err = r.get('Error', {})
    got = (err.get('Code'), r.get('ResponseMetadata', {}).get(
        'HTTPStatusCode'))
    expect(got == (want_code, want_status), 'want %s %s, got %s %s: %s' % (
        want_code, want_status, got[0], got[1], err.get('Message')))
    return err.get('Message')


def _run(checks, plan, passed, bail=()):
    """_run is run and run_expect: passed(fn) tells whether a check's
    callable fn passed.  A failed check is followed by what Failed says or
    the traceback of any other exception, as TAP comments."""
    if plan:
        print('1..%d' % len(checks), flush=True)
    failed = 0
    for n, (name, fn) in enumerate(checks, 1):
        diag = ''
        try:
            good = passed(fn)
        except bail as e:
            print('Bail out! %s' % e, flush=True)
            return 1
        except Exception as e:   # pylint: disable=broad-except
            good = False
            diag = str(e) if isinstance(e, Failed) else traceback.format_exc()
        failed += not good
        print('%sok %d - %s' % ('' if good else 'not ', n, name))
        for line in diag.splitlines():
            print('# ' + line)
        sys.stdout.flush()
    return 1 if failed else 0


def run(checks, plan=True):
    """run prints the plan (unless plan is false: the caller's script
    prints it), then one TAP line per (name, callable) check.

    A check passes when its callable returns something true; one that
    raises fails alone, with the traceback (or what Failed says) as
    diagnostics.  Returns the exit status: 0 if every check passed."""
    return _run(checks, plan, lambda fn: bool(fn()))


def run_expect(checks, plan=True, bail=()):
    """run_expect is run for checks written with expect: a check passes
    when its callable returns, whatever it returns, and fails when it
    raises.  An exception of a class in the tuple bail stops the run
    with "Bail out!" (no endpoint, no credentials)."""
    return _run(checks, plan, lambda fn: fn() or True, bail)
