#!/usr/bin/python3
"""streamcheck.py - gatewayd's own HTTP/1.1 layer, as TAP.

Usage: CHUNKD_PIDS="pid ..." CAIRN=cairn CAIRN_CONF=cairn.conf
    streamcheck.py ENDPOINT_URL BUCKET GATEWAYD_PID BIG_MIB

A BIG_MIB PUT streamed from a generator whose bytes never all exist at
once, with gatewayd's peak memory (VmHWM) checked against a bound far
below the object's size, its ETag against its MD5 and its SHA-256 read
back; concurrent uploads of several stripes, whose MD5s gatewayd
computes side by side (its md5_passes and md5_lanes counters), with
right and wrong Content-MD5 headers; 100-continue answered
only after authentication; backpressure (the chunkd stopped for a
moment, SIGSTOP/SIGCONT); a client dying mid-body; chunked bodies;
pipelined and HTTP/1.0 requests; oversized heads and bodies; h2c with
prior knowledge through h2o.  Requests are signed by hand (SigV4) and
sent over raw sockets where the framing itself is under test.
Credentials come from the AWS_* environment variables.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import s3tap
from s3tap import Failed, expect

ENDPOINT, BUCKET = sys.argv[1], sys.argv[2]
GW_PID, BIG_MIB = int(sys.argv[3]), int(sys.argv[4])
CHUNKD_PIDS = [int(p) for p in os.environ['CHUNKD_PIDS'].split()]
CAIRN, CAIRN_CONF = os.environ['CAIRN'], os.environ['CAIRN_CONF']
HOSTPORT = urllib.parse.urlparse(ENDPOINT).netloc
HOST, PORT = HOSTPORT.rsplit(':', 1)
AK = os.environ['AWS_ACCESS_KEY_ID']
SK = os.environ['AWS_SECRET_ACCESS_KEY']
REGION = os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')
MiB = 1024 * 1024
UNSIGNED = 'UNSIGNED-PAYLOAD'
EMPTY = hashlib.sha256(b'').hexdigest()


# --- SigV4 by hand and raw HTTP/1.1 -----------------------------------------------

def hm(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sign(method, path, headers, payload=UNSIGNED, secret=SK):
    """sign returns headers plus host, date, payload hash and a SigV4
    Authorization over all of them (content-length excepted)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime('%Y%m%dT%H%M%SZ')
    scope = '%s/%s/s3/aws4_request' % (now.strftime('%Y%m%d'), REGION)
    h = {k.lower(): v for k, v in headers.items()}
    h['host'] = HOSTPORT
    h['x-amz-date'] = amz_date
    h['x-amz-content-sha256'] = payload
    names = sorted(n for n in h if n not in ('content-length',
                                              'transfer-encoding', 'expect'))
    canon = '\n'.join([method, path, '',
                       ''.join('%s:%s\n' % (n, h[n]) for n in names),
                       ';'.join(names), payload])
    sts = '\n'.join(['AWS4-HMAC-SHA256', amz_date, scope,
                     hashlib.sha256(canon.encode()).hexdigest()])
    k = hm(('AWS4' + secret).encode(), now.strftime('%Y%m%d'))
    k = hm(hm(hm(k, REGION), 's3'), 'aws4_request')
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    h['authorization'] = ('AWS4-HMAC-SHA256 Credential=%s/%s, '
                          'SignedHeaders=%s, Signature=%s' %
                          (AK, scope, ';'.join(names), sig))
    return h


def path_of(key=''):
    return '/%s/%s' % (BUCKET, urllib.parse.quote(key)) if key else \
        '/%s' % BUCKET


def head_bytes(method, key, headers=None, payload=UNSIGNED, secret=SK,
               version='HTTP/1.1'):
    path = path_of(key)
    h = sign(method, path, headers or {}, payload, secret)
    lines = ['%s %s %s' % (method, path, version)]
    lines += ['%s: %s' % (n, v) for n, v in h.items()]
    return ('\r\n'.join(lines) + '\r\n\r\n').encode()


def connect(timeout=30):
    s = socket.create_connection((HOST, int(PORT)), timeout=timeout)
    return s, s.makefile('rb')


def read_response(f, head_only=False):
    """read_response reads one response: (status, headers, body)."""
    line = f.readline()
    expect(line.startswith(b'HTTP/1.'), 'no status line: %r' % line)
    status = int(line.split()[1])
    hdrs = {}
    while True:
        line = f.readline()
        expect(line, 'connection closed in the head')
        if line in (b'\r\n', b'\n'):
            break
        n, v = line.decode().split(':', 1)
        hdrs[n.strip().lower()] = v.strip()
    n = 0 if head_only or status in (100, 204, 304) else \
        int(hdrs.get('content-length', '0'))
    body = f.read(n) if n else b''
    return status, hdrs, body


def closed(s, f, limit=10):
    """closed tells whether the server closed the connection."""
    s.settimeout(limit)
    try:
        return f.read(1) == b''
    except (ConnectionResetError, socket.timeout):
        return False


def s3_get(key):
    c = http.client.HTTPConnection(HOSTPORT, timeout=120)
    c.request('GET', path_of(key), headers=sign('GET', path_of(key), {}))
    r = c.getresponse()
    return c, r


def get_body(key):
    c, r = s3_get(key)
    data = r.read()
    c.close()
    return r.status, data


def s3_put(key, data):
    c = http.client.HTTPConnection(HOSTPORT, timeout=60)
    h = sign('PUT', path_of(key), {}, hashlib.sha256(data).hexdigest())
    c.request('PUT', path_of(key), body=data, headers=h)
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def vm_hwm_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    raise Failed('no VmHWM for pid %d' % pid)


# --- the checks -----------------------------------------------------------------------

def big_blocks(n_mib):
    """big_blocks yields n_mib MiB that differ per MiB, made on the fly."""
    base = os.urandom(MiB)
    for i in range(n_mib):
        yield i.to_bytes(8, 'big') + base[8:]


def big_put():
    key = 'big'
    size = BIG_MIB * MiB
    before = vm_hwm_kib(GW_PID)
    want, md5 = hashlib.sha256(), hashlib.md5()

    def body():
        for b in big_blocks(BIG_MIB):
            want.update(b)
            md5.update(b)
            yield b
    c = http.client.HTTPConnection(HOSTPORT, timeout=300)
    h = sign('PUT', path_of(key), {'content-length': str(size)})
    t0 = time.monotonic()
    c.request('PUT', path_of(key), body=body(), headers=h)
    r = c.getresponse()
    text = r.read()
    c.close()
    secs = time.monotonic() - t0
    after = vm_hwm_kib(GW_PID)
    expect(r.status == 200, r.status, text)
    etag = r.getheader('etag')
    expect(etag == '"%s"' % md5.hexdigest(), 'ETag %s, MD5 %s'
           % (etag, md5.hexdigest()))
    c, r = s3_get(key)
    got, n = hashlib.sha256(), 0
    while True:
        b = r.read(MiB)
        if not b:
            break
        got.update(b)
        n += len(b)
    c.close()
    expect(n == size, 'read back %d of %d bytes' % (n, size))
    expect(got.hexdigest() == want.hexdigest(), 'SHA-256 differs')
    # A few stripes per upload (31 MB measured): far below the object.
    bound = 128 * 1024
    print('# %d MiB PUT in %.1f s; gatewayd VmHWM %d KiB before, %d after'
          % (BIG_MIB, secs, before, after))
    expect(after < bound, 'VmHWM %d KiB >= %d KiB' % (after, bound))


def md5_counters():
    """md5_counters returns gatewayd's (md5_passes, md5_lanes)."""
    return s3tap.gateway_stats(CAIRN, CAIRN_CONF, 'md5_passes', 'md5_lanes')


def put_md5(key, data, content_md5, result):
    """put_md5 PUTs data with a Content-MD5 header, signed payload."""
    c = http.client.HTTPConnection(HOSTPORT, timeout=120)
    h = sign('PUT', path_of(key), {'content-md5': content_md5},
             hashlib.sha256(data).hexdigest())
    c.request('PUT', path_of(key), body=data, headers=h)
    r = c.getresponse()
    text = r.read()
    c.close()
    result[key] = (r.status, r.getheader('etag'), text)


def etags_side_by_side():
    """Eight uploads of several stripes at once, of lengths that end
    mid-block: each ETag is the body's MD5, and the gateway hashed some
    of them side by side.  One more, sent with the MD5 of other bytes,
    gets BadDigest and stores nothing."""
    bodies = {'mb%d' % i: os.urandom((3 + i) * MiB + 37 * i + 1)
              for i in range(8)}
    bad = os.urandom(5 * MiB + 3)
    b64 = {k: base64.b64encode(hashlib.md5(v).digest()).decode()
           for k, v in bodies.items()}
    result = {}
    p0, l0 = md5_counters()
    threads = [threading.Thread(target=put_md5, args=(k, v, b64[k], result))
               for k, v in bodies.items()]
    threads.append(threading.Thread(target=put_md5, args=(
        'mbbad', bad, b64['mb0'], result)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    p1, l1 = md5_counters()
    for k, v in bodies.items():
        status, etag, text = result.get(k, (None, None, b''))
        expect(status == 200, k, status, text)
        expect(etag == '"%s"' % hashlib.md5(v).hexdigest(), k, etag)
        status, data = get_body(k)
        expect(status == 200 and data == v, k, 'read back differs')
    status, _, text = result.get('mbbad', (None, None, b''))
    expect(status == 400 and b'<Code>BadDigest</Code>' in text, status, text)
    expect(get_body('mbbad')[0] == 404, 'a body with a bad MD5 was stored')
    print('# %d passes, %d lanes' % (p1 - p0, l1 - l0))
    expect(p1 > p0 and l1 - l0 > p1 - p0,
           'md5_passes +%d, md5_lanes +%d: never side by side'
           % (p1 - p0, l1 - l0))


def backpressure():
    """With every chunkd stopped the worker cannot write a stripe: the
    gateway stops reading and the client, its socket full, cannot send."""
    size = 256 * MiB
    piece = os.urandom(256 * 1024)
    sent = [0]
    s, f = connect(timeout=60)
    s.sendall(head_bytes('PUT', 'slow', {'content-length': str(size)}))

    def sender():
        try:
            while sent[0] < size:
                s.sendall(piece)
                sent[0] += len(piece)
        except OSError:
            pass
    th = threading.Thread(target=sender, daemon=True)
    th.start()
    deadline = time.monotonic() + 60
    while sent[0] < 32 * MiB and time.monotonic() < deadline:
        time.sleep(0.05)
    for p in CHUNKD_PIDS:
        os.kill(p, signal.SIGSTOP)
    try:
        time.sleep(2)
        s1 = sent[0]
        time.sleep(2)
        s2 = sent[0]
    finally:
        for p in CHUNKD_PIDS:
            os.kill(p, signal.SIGCONT)
    th.join(120)
    st, _, body = read_response(f)
    s.close()
    print('# sent %d MiB when the drives stopped, %d KiB more in 2 s'
          % (s1 // MiB, (s2 - s1) // 1024))
    expect(s1 < size // 2, 'the client sent %d of %d bytes' % (s1, size))
    expect(s2 - s1 <= 512 * 1024, 'the client went on: %d bytes' % (s2 - s1))
    expect(st == 200, 'after the drives came back: %d' % st, body)
    expect(sent[0] == size, 'sent %d of %d' % (sent[0], size))


def absolute_form():
    s, f = connect()
    req = head_bytes('GET', 'pipe').replace(
        b'GET /', ('GET http://%s/' % HOSTPORT).encode(), 1)
    s.sendall(req)
    st, _, body = read_response(f)
    s.close()
    expect(st == 200 and len(body) == 5000, st, body[:300])


def expect_bad_signature():
    """curl sends Expect: 100-continue for a large -T upload and waits."""
    path = os.path.join(os.environ['TESTDIR'], 'expect.bin')
    with open(path, 'wb') as f:
        f.write(os.urandom(8 * MiB))
    t0 = time.monotonic()
    p = subprocess.run(['curl', '-sS', '-v', '-T', path,
                        '--expect100-timeout', '30',
                        '--aws-sigv4', 'aws:amz:%s:s3' % REGION,
                        '--user', '%s:%s' % (AK, 'wrong' + SK[5:]),
                        '-H', 'x-amz-content-sha256: ' + UNSIGNED,
                        '-w', '\nCODE %{http_code} SENT %{size_upload}\n',
                        '%s%s' % (ENDPOINT, path_of('expect-denied'))],
                       capture_output=True, text=True, timeout=60)
    secs = time.monotonic() - t0
    out = p.stdout + p.stderr
    expect('Expect: 100-continue' in out, 'curl sent no Expect', out)
    expect('CODE 403 SENT 0' in p.stdout, out)
    expect('100 Continue' not in out, '100 Continue was sent', out)
    expect('SignatureDoesNotMatch' in p.stdout, out)
    expect(secs < 20, 'took %.1f s: the 403 did not come at once' % secs)


def expect_good_signature():
    s, f = connect()
    data = os.urandom(300 * 1024)
    s.sendall(head_bytes('PUT', 'expect-ok', {
        'content-length': str(len(data)), 'expect': '100-continue'}))
    st, _, _ = read_response(f)
    expect(st == 100, 'wanted 100 Continue first, got %d' % st)
    s.sendall(data)
    st, _, body = read_response(f)
    s.close()
    expect(st == 200, st, body)
    expect(get_body('expect-ok') == (200, data), 'read back differs')


def dead_client():
    s, f = connect()
    s.sendall(head_bytes('PUT', 'dead', {'content-length': str(64 * MiB)}))
    for _ in range(10):
        s.sendall(os.urandom(MiB))
    s.close()
    time.sleep(1)
    st, body = get_body('dead')
    expect(st == 404, 'the cut upload is visible: %d' % st, body[:300])
    expect(s3_put('after-dead', b'alive') == 200, 'a PUT after it fails')
    expect(get_body('after-dead') == (200, b'alive'), 'read back differs')


def dead_client_small():
    # A small body is read whole before a worker sees the request: a
    # client dying before it is complete must leave nothing behind.
    s, f = connect()
    s.sendall(head_bytes('PUT', 'dead-small', {'content-length': '4096'}))
    s.sendall(b'x' * 100)
    s.close()
    time.sleep(0.5)
    st, body = get_body('dead-small')
    expect(st == 404, 'the cut upload is visible: %d' % st, body[:300])
    expect(s3_put('after-dead-small', b'alive') == 200, 'a PUT after it')


def send_chunked(key, data, piece, extra=None):
    s, f = connect()
    h = {'transfer-encoding': 'chunked'}
    h.update(extra or {})
    out = [head_bytes('PUT', key, h)]
    for i in range(0, len(data), piece):
        b = data[i:i + piece]
        out.append(b'%x\r\n%s\r\n' % (len(b), b))
    out.append(b'0\r\n\r\n')
    s.sendall(b''.join(out))
    st, hdrs, body = read_response(f)
    return s, f, st, hdrs, body


def chunked_small():
    data = os.urandom(700 * 1024 + 3)
    s, f, st, _, body = send_chunked('chunked', data, 10000)
    expect(st == 200, st, body)
    # The connection stays usable after a chunked body.
    s.sendall(head_bytes('HEAD', 'chunked'))
    st, hdrs, _ = read_response(f, head_only=True)
    s.close()
    expect(st == 200 and hdrs.get('content-length') == str(len(data)),
           st, hdrs)
    expect(get_body('chunked') == (200, data), 'read back differs')


def chunked_curl_pipe():
    data = os.urandom(200 * 1024)
    p = subprocess.run(['curl', '-sS', '-T', '-', '-o', '/dev/null',
                        '-w', '%{http_code}',
                        '--aws-sigv4', 'aws:amz:%s:s3' % REGION,
                        '--user', '%s:%s' % (AK, SK),
                        '-H', 'x-amz-content-sha256: ' + UNSIGNED,
                        '%s%s' % (ENDPOINT, path_of('curl-pipe'))],
                       input=data, capture_output=True, timeout=60)
    expect(p.stdout == b'200', p.stdout, p.stderr)
    expect(get_body('curl-pipe') == (200, data), 'read back differs')


def chunked_too_long():
    s, f, st, _, body = send_chunked('chunked-long', os.urandom(3 * MiB),
                                     65536)
    s.close()
    expect(st == 411 and b'MissingContentLength' in body, st, body)
    expect(get_body('chunked-long')[0] == 404, 'it was stored')


def pipelined():
    data = os.urandom(5000)
    s, f = connect()
    reqs = [head_bytes('PUT', 'pipe', {'content-length': str(len(data))},
                       hashlib.sha256(data).hexdigest()) + data,
            head_bytes('GET', 'pipe'),
            head_bytes('HEAD', 'pipe'),
            head_bytes('GET', 'pipe-missing'),
            head_bytes('GET', 'pipe')]
    s.sendall(b''.join(reqs))
    got = [read_response(f, head_only=(i == 2)) for i in range(len(reqs))]
    s.close()
    expect([g[0] for g in got] == [200, 200, 200, 404, 200],
           [g[0] for g in got])
    expect(got[1][2] == data and got[4][2] == data, 'bodies differ')
    expect(b'NoSuchKey' in got[3][2], got[3][2])


def unread_body_keepalive():
    """A handler that answers without reading a small body keeps the
    connection; the next request on it is served."""
    s, f = connect()
    data = os.urandom(20000)
    s.sendall(head_bytes('PUT', 'x', {'content-length': str(len(data))},
                         hashlib.sha256(data).hexdigest()).replace(
        ('/%s/' % BUCKET).encode(), b'/no-such-bucket-here/', 1) + data)
    st, _, body = read_response(f)
    expect(st in (403, 404), st, body)
    s.sendall(head_bytes('HEAD', 'pipe'))
    st, _, _ = read_response(f, head_only=True)
    s.close()
    expect(st == 200, st)


def http10():
    s, f = connect()
    s.sendall(head_bytes('GET', 'pipe', version='HTTP/1.0'))
    st, hdrs, body = read_response(f)
    expect(st == 200 and len(body) == 5000, st, hdrs)
    expect(closed(s, f), 'HTTP/1.0 connection left open')
    s.close()


def entity_too_large():
    s, f = connect()
    s.sendall(head_bytes('PUT', 'huge', {
        'content-length': str(5 * 1024 * MiB + 1),
        'expect': '100-continue'}))
    st, _, body = read_response(f)
    expect(st == 400 and b'EntityTooLarge' in body, st, body)
    expect(closed(s, f), 'connection left open with a body pending')
    s.close()


def head_too_large():
    s, f = connect()
    s.sendall(head_bytes('GET', 'pipe', {'x-big': 'a' * (80 * 1024)}))
    st, _, body = read_response(f)
    expect(closed(s, f), 'connection left open after a huge head')
    s.close()
    expect(st == 400 and b'RequestHeaderSectionTooLarge' in body, st, body)
    s, f = connect()
    s.sendall(head_bytes('GET', 'pipe', {'x-amz-meta-big': 'a' * 9000}))
    st, _, body = read_response(f)
    s.close()
    expect(st == 400 and b'RequestHeaderSectionTooLarge' in body, st, body)


def get_range(key, first, last):
    c = http.client.HTTPConnection(HOSTPORT, timeout=60)
    h = sign('GET', path_of(key), {'range': 'bytes=%d-%d' % (first, last)})
    c.request('GET', path_of(key), headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def ranges_across_stripes():
    # Stripes of 1 MiB are sent from the drives' blocks (512 KiB on two
    # data drives) without copying: cut them at every kind of edge.
    data = os.urandom(3 * MiB + 12345)
    expect(s3_put('ranged', data) == 200, 'PUT failed')
    blk = MiB // 2
    n = len(data)
    for first, last in [(0, n - 1), (blk - 1, blk), (blk, 3 * blk + 1),
                        (MiB - 7, MiB + 7), (MiB + blk + 3, 3 * MiB + 2),
                        (17, 2 * MiB + blk - 1), (3 * MiB, n - 1),
                        (n - 1, n - 1)]:
        st, got = get_range('ranged', first, last)
        expect(st in (200, 206) and got == data[first:last + 1],
               'bytes=%d-%d: %d, %d bytes' % (first, last, st, len(got)))


def small_bodies_pipelined():
    # Bodies up to 64 KiB are read whole before the handler runs; the
    # requests behind them on the connection must stay intact.
    s, f = connect()
    bodies = [os.urandom(n) for n in (1, 4096, 65536, 65537, 0)]
    reqs = b''
    for i, b in enumerate(bodies):
        reqs += head_bytes('PUT', 'small%d' % i,
                           {'content-length': str(len(b))},
                           hashlib.sha256(b).hexdigest()) + b
    s.sendall(reqs)
    for i in range(len(bodies)):
        st, _, body = read_response(f)
        expect(st == 200, 'PUT %d: %d' % (i, st), body)
    s.close()
    for i, b in enumerate(bodies):
        expect(get_body('small%d' % i) == (200, b), 'small%d differs' % i)


def bad_framing():
    for extra, want in (({'content-length': '5', 'transfer-encoding':
                          'chunked'}, 400),
                        ({'transfer-encoding': 'gzip'}, 501),
                        ({'content-length': '12x'}, 400)):
        s, f = connect()
        s.sendall(head_bytes('PUT', 'framing', extra))
        st, _, body = read_response(f)
        s.close()
        expect(st == want and b'<Code>' in body, extra, st, body)


def h2c_prior_knowledge():
    path = os.path.join(os.environ['TESTDIR'], 'h2c.bin')
    data = os.urandom(300 * 1024)
    with open(path, 'wb') as f:
        f.write(data)
    sig = ['--aws-sigv4', 'aws:amz:%s:s3' % REGION,
           '--user', '%s:%s' % (AK, SK)]
    p = subprocess.run(['curl', '-sS', '--http2-prior-knowledge', '-T', path,
                        '-o', '/dev/null', '-w', '%{http_code} %{http_version}',
                        '-H', 'x-amz-content-sha256: ' + UNSIGNED] + sig +
                       ['%s%s' % (ENDPOINT, path_of('h2c'))],
                       capture_output=True, timeout=60)
    expect(p.stdout == b'200 2', 'PUT over h2c', p.stdout, p.stderr)
    p = subprocess.run(['curl', '-sS', '--http2-prior-knowledge',
                        '-w', '\nVERSION %{http_version}',
                        '-H', 'x-amz-content-sha256: ' + EMPTY] + sig +
                       ['%s%s' % (ENDPOINT, path_of('h2c'))],
                       capture_output=True, timeout=60)
    expect(p.stdout.endswith(b'\nVERSION 2'), p.stdout[-200:], p.stderr)
    expect(p.stdout[:-10] == data, 'h2c body differs')


CHECKS = [
    ('a %d MiB PUT streams in bounded memory and reads back' % BIG_MIB,
     big_put),
    ('concurrent uploads of several stripes: ETags are MD5s, computed '
     'side by side; a wrong Content-MD5 is BadDigest', etags_side_by_side),
    ('backpressure: with the drives stopped the client cannot send',
     backpressure),
    ('Expect: 100-continue with a bad signature: 403, no 100, no body',
     expect_bad_signature),
    ('Expect: 100-continue with a good signature: 100, then 200',
     expect_good_signature),
    ('a client dying mid-body leaves nothing; the gateway serves on',
     dead_client),
    ('a client dying mid small body leaves nothing; the gateway serves on',
     dead_client_small),
    ('a chunked PUT (read whole) stores its body; keep-alive holds',
     chunked_small),
    ('curl -T - from a pipe (chunked) stores its body', chunked_curl_pipe),
    ('a long chunked PUT without a length: MissingContentLength',
     chunked_too_long),
    ('pipelined requests are answered in order', pipelined),
    ('an unread small body is skipped; the connection serves on',
     unread_body_keepalive),
    ('HTTP/1.0: answered, then closed', http10),
    ('an absolute-form request target is served', absolute_form),
    ('Content-Length above 5 GiB: EntityTooLarge, connection closed',
     entity_too_large),
    ('80 KiB and 9 KiB of headers: RequestHeaderSectionTooLarge',
     head_too_large),
    ('bad framing: 400 for CL+TE, 501 for gzip, 400 for a bad length',
     bad_framing),
    ('ranges across stripe and block edges read back exactly',
     ranges_across_stripes),
    ('pipelined PUTs of small bodies (read whole) are stored intact',
     small_bodies_pipelined),
    ('h2c with prior knowledge (PUT, GET) still works through h2o',
     h2c_prior_knowledge),
]


if __name__ == '__main__':
    sys.exit(s3tap.run_expect(CHECKS))
