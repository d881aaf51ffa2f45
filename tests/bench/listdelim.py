#!/usr/bin/python3
"""listdelim.py - ListObjectsV2 latency with a delimiter, for run --list-1m

usage: listdelim.py ENDPOINT ACCESS_KEY SECRET_KEY REGION BUCKET

The bucket holds m/p000/ .. m/p099/, 10,000 keys each.  Times each page
(boto3, one connection; its own cost, about 1 ms a call, is included) and
prints JSON: for each case the number of pages and p50/p99/max in ms.
Exits 1 when a listing returns other keys or prefixes than expected.
"""
import json
import sys
import time

import boto3
from botocore.config import Config


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def pages(s3, bucket, **kw):
    """List everything kw selects; yield (seconds, response) per page."""
    token = None
    while True:
        args = dict(Bucket=bucket, **kw)
        if token:
            args["ContinuationToken"] = token
        t0 = time.perf_counter()
        r = s3.list_objects_v2(**args)
        yield time.perf_counter() - t0, r
        if not r.get("IsTruncated"):
            return
        token = r["NextContinuationToken"]


def case(s3, bucket, name, passes, want, **kw):
    lat = []
    for _ in range(passes):
        got = 0
        for sec, r in pages(s3, bucket, **kw):
            lat.append(sec * 1000)
            got += len(r.get("Contents", [])) + len(r.get("CommonPrefixes", []))
        if got != want:
            raise SystemExit(f"{name}: listed {got} entries, want {want}")
    return {"name": name, "pages": len(lat), "p50_ms": pct(lat, 0.50),
            "p99_ms": pct(lat, 0.99), "max_ms": max(lat)}


def main():
    ep, ak, sk, region, bucket = sys.argv[1:6]
    s3 = boto3.client("s3", endpoint_url=ep, aws_access_key_id=ak,
                      aws_secret_access_key=sk, region_name=region,
                      config=Config(s3={"addressing_style": "path"},
                                    retries={"max_attempts": 1}))
    cases = [
        case(s3, bucket, "delimiter /, prefix m/: 100 common prefixes of "
             "10,000 keys, one page", 50, 100, Prefix="m/", Delimiter="/",
             MaxKeys=1000),
        case(s3, bucket, "delimiter /, prefix m/, max-keys 10: pages of "
             "10 common prefixes", 5, 100, Prefix="m/", Delimiter="/",
             MaxKeys=10),
        case(s3, bucket, "delimiter /, prefix m/p042/: 10,000 keys in "
             "pages of 1000", 5, 10000, Prefix="m/p042/", Delimiter="/",
             MaxKeys=1000),
        case(s3, bucket, "no delimiter, prefix m/p042/: 10,000 keys in "
             "pages of 1000", 5, 10000, Prefix="m/p042/", MaxKeys=1000),
    ]
    json.dump({"cases": cases}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
