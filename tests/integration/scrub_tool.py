#!/usr/bin/python3
"""scrub_tool.py - helpers of t_scrub.sh: many objects, shard files checked.

  put ENDPOINT BUCKET PREFIX COUNT DIR   PUT COUNT objects of varied sizes,
                                         their bytes kept in DIR/<key>
  get ENDPOINT BUCKET DIR                GET every object kept in DIR and
                                         compare; exit 1 on any difference
  storm ENDPOINT BUCKET DIR SECONDS      PUT from 8 threads until the
                                         gateway dies or SECONDS pass; the
                                         acknowledged ones are kept in DIR
  shards DATA                            check every shard file of every
                                         drive (docs/shard-format.md): header
                                         and block CRC32Cs; print the number
                                         of bad files; exit 1 if any
  flip FILE OFFSET                       invert one byte of FILE
  flip-block FILE OFFSET                 invert byte OFFSET of the first
                                         block's data of a shard FILE
  flip-data DRIVE K OFFSET               flip-block every shard of DRIVE (a
                                         directory) whose index is below K
                                         (a data shard, which a GET reads);
                                         print how many
"""
import os
import struct
import sys
import threading
import time

import boto3
import botocore.config

ACCESS = "CAIRNTESTACCESSKEY01"
SECRET = "cairnTestSecretKey+0000000000000000000/1"


def client(endpoint):
    cfg = botocore.config.Config(retries={"max_attempts": 1},
                                 s3={"addressing_style": "path"},
                                 connect_timeout=5, read_timeout=30)
    # A session per client: boto3's default session is not thread-safe.
    return boto3.session.Session().client("s3", endpoint_url="http://" + endpoint,
                        aws_access_key_id=ACCESS,
                        aws_secret_access_key=SECRET,
                        region_name="us-east-1", config=cfg)


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data):
    c = 0xFFFFFFFF
    t = CRC_TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def sizes(count):
    """Sizes above the inline threshold: small, near a stripe, multi-stripe."""
    base = [16385, 20000, 65536, 100000, 300001, 1048576, 1048577,
            1572864 + 7]
    return [base[i % len(base)] + 13 * i for i in range(count)]


def cmd_put(endpoint, bucket, prefix, count, outdir):
    s3 = client(endpoint)
    for i, n in enumerate(sizes(int(count))):
        key = "%s%04d" % (prefix, i)
        body = os.urandom(n)
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        path = os.path.join(outdir, key.replace("/", "_"))
        with open(path, "wb") as f:
            f.write(body)
        with open(path + ".key", "w") as f:
            f.write(key)
    return 0


def cmd_get(endpoint, bucket, outdir):
    s3 = client(endpoint)
    bad = 0
    n = 0
    for name in sorted(os.listdir(outdir)):
        if not name.endswith(".key"):
            continue
        key = open(os.path.join(outdir, name)).read()
        want = open(os.path.join(outdir, name[:-4]), "rb").read()
        try:
            got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as e:  # a failed GET is a failure, as are wrong bytes
            print("GET %s: %s" % (key, e))
            bad += 1
            continue
        n += 1
        if got != want:
            print("GET %s: %d bytes differ from the %d put" %
                  (key, len(got), len(want)))
            bad += 1
    print("%d objects read back, %d bad" % (n, bad))
    return 1 if bad else 0


def cmd_storm(endpoint, bucket, outdir, seconds):
    deadline = time.time() + float(seconds)
    lock = threading.Lock()
    stats = {"acked": 0, "failed": 0}

    def worker(t):
        s3 = client(endpoint)
        i = 0
        while time.time() < deadline:
            key = "storm/%d-%05d" % (t, i)
            i += 1
            body = os.urandom(20000 + 4099 * (i % 300))
            try:
                s3.put_object(Bucket=bucket, Key=key, Body=body)
            except Exception:
                with lock:
                    stats["failed"] += 1
                if stats["failed"] > 50:
                    return
                time.sleep(0.05)
                continue
            path = os.path.join(outdir, key.replace("/", "_"))
            with open(path, "wb") as f:
                f.write(body)
            with open(path + ".key", "w") as f:
                f.write(key)
            with lock:
                stats["acked"] += 1

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print("%d acknowledged, %d failed" % (stats["acked"], stats["failed"]))
    return 0


def layout(hdr):
    """Return where block 0 starts and the distance between blocks, for
    a shard header's version, block size and count; None for an unknown
    one."""
    ver, bs, count = (struct.unpack_from("<I", hdr, off)[0]
                      for off in (8, 16, 20))
    if ver == 1:
        return 64, bs + 4
    if ver == 2 and bs % 4096 == 0 and bs >= 65536 and count >= 2:
        return 4096, bs + 4096
    return None


def check_shard(path):
    """Return None if the shard file is whole, else why not."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 64 or data[:8] != b"CAIRNSH1":
        return "bad magic or short header"
    if crc32c(data[:60]) != struct.unpack_from("<I", data, 60)[0]:
        return "header CRC"
    ver, _idx, bs, count, length = struct.unpack_from("<IIIIQ", data, 8)
    where = layout(data)
    if where is None:
        return "version %d with blocks of %d bytes" % (ver, bs)
    first, stride = where
    for b in range(count):
        off = first + b * stride
        n = bs if b + 1 < count else length - b * bs
        block = data[off:off + n]
        crc = data[off + n:off + n + 4]
        if len(block) != n or len(crc) != 4:
            return "block %d truncated" % b
        if crc32c(block) != struct.unpack("<I", crc)[0]:
            return "block %d CRC" % b
    if len(data) != first + (count - 1) * stride + (length - (count - 1) * bs) + 4:
        return "file size"
    return None


def cmd_shards(datadir):
    bad = 0
    total = 0
    drives = os.path.join(datadir, "drives")
    for drive in sorted(os.listdir(drives)):
        top = os.path.join(drives, drive, "shards")
        for sub in sorted(os.listdir(top)):
            for name in sorted(os.listdir(os.path.join(top, sub))):
                total += 1
                why = check_shard(os.path.join(top, sub, name))
                if why is not None:
                    print("%s/%s: %s" % (drive, name, why))
                    bad += 1
    print("%d shard files, %d bad" % (total, bad))
    return 1 if bad else 0


def cmd_flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(int(offset))
        b = f.read(1)
        f.seek(int(offset))
        f.write(bytes([b[0] ^ 0xFF]))
    return 0


def cmd_flip_block(path, offset):
    with open(path, "rb") as f:
        first, _stride = layout(f.read(64))
    return cmd_flip(path, first + int(offset))


def cmd_flip_data(drive, k, offset):
    top = os.path.join(drive, "shards")
    n = 0
    for sub in sorted(os.listdir(top)):
        for name in sorted(os.listdir(os.path.join(top, sub))):
            path = os.path.join(top, sub, name)
            with open(path, "rb") as f:
                idx = struct.unpack_from("<I", f.read(16), 12)[0]
            if idx < int(k):
                cmd_flip_block(path, offset)
                n += 1
    print(n)
    return 0


def main(argv):
    cmds = {"put": cmd_put, "get": cmd_get, "storm": cmd_storm,
            "shards": cmd_shards, "flip": cmd_flip,
            "flip-block": cmd_flip_block, "flip-data": cmd_flip_data}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__)
        return 2
    return cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
