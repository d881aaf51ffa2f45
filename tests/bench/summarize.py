#!/usr/bin/python3
"""summarize.py - turn one tests/bench/run results directory into tables

Reads cells.tsv (one line per s3bench cell: target, run, size, conns,
load average, JSON prefix) and daemons.tsv, and writes runs.tsv (every
phase of every run), summary.tsv and summary.json (medians over the runs)
and summary.md (the tables docs/performance.md quotes).  Exits 1 when a
run had errors or verification failures, so a broken server is not
mistaken for a slow one.
"""
import json
import os
import statistics
import sys

SIZES = {"0": 0, "4KiB": 4 << 10, "64KiB": 64 << 10, "1MiB": 1 << 20,
         "64MiB": 64 << 20, "5GiB": 5 << 30}
OPS = ["put", "get", "head", "mixed/get", "mixed/put", "list", "delete"]


def phases(prefix):
    """Yield (op name, phase, op stats) of the JSON files of one cell."""
    for part in ("put", "timed", "delete"):
        path = prefix + "." + part
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            continue
        with open(path) as f:
            doc = json.load(f)
        for ph in doc.get("phases", []):
            for op, st in ph.get("ops", {}).items():
                name = op
                if ph["workload"] == "mixed":
                    name = "mixed/" + op
                yield name, ph, st


EMPTY_CELLS = []


def read_cells(res):
    rows = []
    with open(os.path.join(res, "cells.tsv")) as f:
        for line in f:
            target, run, size, conns, load, prefix = line.rstrip("\n").split("\t")
            n = len(rows)
            for op, ph, st in phases(prefix):
                srv = ph.get("server_cpu_us_per_request")
                rows.append({
                    "target": target, "run": int(run), "size": size,
                    "conns": int(conns), "op": op, "load": float(load),
                    "ops_s": st["ops_per_s"], "mib_s": st["mib_per_s"],
                    "p50_ms": st["lat_ms"]["p50"], "p99_ms": st["lat_ms"]["p99"],
                    "server_us": srv if srv is not None else float("nan"),
                    "errors": st["errors"],
                    "verify_failures": st["verify_failures"],
                    "ok": st["ok"], "keys": st.get("keys", 0),
                })
            if len(rows) == n:
                EMPTY_CELLS.append(prefix)
    return rows


def read_daemons(res):
    out = {}
    path = os.path.join(res, "daemons.tsv")
    with open(path) as f:
        next(f)
        for line in f:
            t, run, size, conns, d, hwm, cpu = line.rstrip("\n").split("\t")
            key = (t, size, int(conns))
            out.setdefault(key, {}).setdefault(d, []).append(
                (int(hwm), float(cpu)))
    return out


def med(xs):
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def summarize(rows):
    groups = {}
    for r in rows:
        groups.setdefault((r["target"], r["size"], r["conns"], r["op"]),
                          []).append(r)
    out = []
    for (t, size, conns, op), rs in groups.items():
        out.append({
            "target": t, "size": size, "conns": conns, "op": op,
            "runs": len(rs),
            "ops_s": med([r["ops_s"] for r in rs]),
            "mib_s": med([r["mib_s"] for r in rs]),
            "p50_ms": med([r["p50_ms"] for r in rs]),
            "p99_ms": med([r["p99_ms"] for r in rs]),
            "server_us": med([r["server_us"] for r in rs]),
            "errors": sum(r["errors"] for r in rs),
            "verify_failures": sum(r["verify_failures"] for r in rs),
            "load": med([r["load"] for r in rs]),
            "all_ops_s": [round(r["ops_s"], 1) for r in
                          sorted(rs, key=lambda r: r["run"])],
        })
    order = {o: i for i, o in enumerate(OPS)}
    out.sort(key=lambda s: (s["target"], SIZES.get(s["size"], 0),
                            s["conns"], order.get(s["op"], 99)))
    return out


def fmt(x, nd=1):
    if x != x:
        return "-"
    return f"{x:,.{nd}f}"


def md_table(summary, daemons, target):
    lines = [f"### {target}", "",
             "| size | conns | op | ops/s (median) | MiB/s | p50 ms | p99 ms "
             "| server µs/op | errors | load | ops/s of each run |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in summary:
        if s["target"] != target:
            continue
        lines.append(
            f"| {s['size']} | {s['conns']} | {s['op']} | {fmt(s['ops_s'])} "
            f"| {fmt(s['mib_s'])} | {fmt(s['p50_ms'], 2)} "
            f"| {fmt(s['p99_ms'], 2)} | {fmt(s['server_us'], 0)} "
            f"| {s['errors'] + s['verify_failures']} | {fmt(s['load'])} "
            f"| {' / '.join(str(x) for x in s['all_ops_s'])} |")
    cells = sorted(k for k in daemons if k[0] == target)
    if cells:
        lines += ["", "Peak RSS (VmHWM, MiB, max over runs) and CPU seconds "
                  "(median over runs) of each daemon per cell:", "",
                  "| size | conns | " + " | ".join(
                      sorted(daemons[cells[0]])) + " |",
                  "|---|---|" + "---|" * len(daemons[cells[0]])]
        for k in sorted(cells, key=lambda k: (SIZES.get(k[1], 0), k[2])):
            ds = daemons[k]
            vals = []
            for d in sorted(daemons[cells[0]]):
                v = ds.get(d, [(0, 0.0)])
                vals.append(f"{max(h for h, _ in v) / 1024:.0f} MiB, "
                            f"{med([c for _, c in v]):.1f} s")
            lines.append(f"| {k[1]} | {k[2]} | " + " | ".join(vals) + " |")
    lines.append("")
    return lines


def ratios(summary, other, label):
    base = {(s["size"], s["conns"], s["op"]): s for s in summary
            if s["target"] == "cairn"}
    lines = [f"### cairn / {label} (median ops/s)", "",
             "| size | conns | op | cairn | " + label + " | ratio |",
             "|---|---|---|---|---|---|"]
    for s in summary:
        if s["target"] != other:
            continue
        b = base.get((s["size"], s["conns"], s["op"]))
        if b is None or not s["ops_s"]:
            continue
        lines.append(f"| {s['size']} | {s['conns']} | {s['op']} "
                     f"| {fmt(b['ops_s'])} | {fmt(s['ops_s'])} "
                     f"| {b['ops_s'] / s['ops_s']:.2f} |")
    lines.append("")
    return lines


def main():
    res = sys.argv[1]
    rows = read_cells(res)
    daemons = read_daemons(res)
    summary = summarize(rows)
    keys = list(rows[0].keys()) if rows else []
    with open(os.path.join(res, "runs.tsv"), "w") as f:
        f.write("\t".join(keys) + "\n")
        for r in rows:
            f.write("\t".join(str(r[k]) for k in keys) + "\n")
    skeys = [k for k in (summary[0].keys() if summary else []) if k != "all_ops_s"]
    with open(os.path.join(res, "summary.tsv"), "w") as f:
        f.write("\t".join(skeys) + "\n")
        for s in summary:
            f.write("\t".join(str(s[k]) for k in skeys) + "\n")
    with open(os.path.join(res, "summary.json"), "w") as f:
        json.dump({"summary": summary, "runs": rows}, f, indent=1)
    targets = []
    for s in summary:
        if s["target"] not in targets:
            targets.append(s["target"])
    with open(os.path.join(res, "conditions.txt")) as f:
        cond = f.read().strip().splitlines()
    md = ["## Results", "", "Conditions: " + "; ".join(cond), ""]
    for t in targets:
        md += md_table(summary, daemons, t)
    for t in targets:
        if t != "cairn":
            md += ratios(summary, t, t)
    md += targets_section(summary, daemons, cond)
    md += floor_section(res, cond)
    lpath = os.path.join(res, "list-1m")
    if os.path.isdir(lpath):
        md += list_section(lpath)
    with open(os.path.join(res, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    bad = sum(s["errors"] + s["verify_failures"] for s in summary)
    for prefix in EMPTY_CELLS:
        print(f"summarize: {prefix}: s3bench wrote no results",
              file=sys.stderr)
        bad += 1
    if bad:
        print(f"summarize: {bad} errors or verification failures",
              file=sys.stderr)
        return 1
    return 0


def best(summary, target, size, op):
    """The highest median ops/s and MiB/s of target's cells of size/op."""
    cs = [s for s in summary if s["target"] == target and s["size"] == size
          and s["op"] == op]
    if not cs:
        return None
    return max(cs, key=lambda s: s["ops_s"])


def cond_value(cond, name):
    for line in cond:
        if line.startswith(name + "="):
            return line.split("=", 1)[1]
    return None


def targets_section(summary, daemons, cond):
    """The issue's targets next to what this run measured."""
    rows = []

    def row(what, want, got, met):
        rows.append(f"| {what} | {want} | {got} | "
                    f"{'-' if met is None else ('yes' if met else 'no')} |")

    put = best(summary, "cairn", "4KiB", "put")
    get = best(summary, "cairn", "4KiB", "get")
    if put:
        row("4 KiB PUT ops/s", "≥ 5,000", fmt(put["ops_s"]),
            put["ops_s"] >= 5000)
    for peer in ("ceph", "nginx"):
        for op, c, factor in (("put", put, 20), ("get", get, 20)):
            p = best(summary, peer, "4KiB", op)
            if not c or not p or not p["ops_s"]:
                continue
            want = 0.4 if peer == "nginx" else factor
            row(f"4 KiB {op.upper()} / {peer}",
                f"≥ {want:g}×", f"{c['ops_s'] / p['ops_s']:.2f}×",
                c["ops_s"] / p["ops_s"] >= want)
    put64 = best(summary, "cairn", "64MiB", "put")
    want = put64_target(cond)
    if put64 and want:
        row("64 MiB PUT MiB/s", want[1], fmt(put64["mib_s"]),
            put64["mib_s"] >= want[0])
    get64 = best(summary, "cairn", "64MiB", "get")
    if get64:
        row("64 MiB GET MiB/s (warm)", "≥ 1,024", fmt(get64["mib_s"]),
            get64["mib_s"] >= 1024)
    big = daemons.get(("cairn", "5GiB", 1))
    if big:
        total = sum(max(h for h, _ in v) for v in big.values()) / 1024
        row("5 GiB PUT: sum of the daemons' peak RSS", "≤ 256 MiB",
            f"{total:.0f} MiB", total <= 256)
    if not rows:
        return []
    return ["### Targets", "", "| figure | target | measured | met |",
            "|---|---|---|---|"] + rows + [""]


def put64_target(cond):
    """The 64 MiB PUT target (MiB/s) and how it is derived, or None."""
    dd = cond_value(cond, "disk_dd_mib_s")
    if not dd:
        return None
    k, m = (int(x) for x in (cond_value(cond, "erasure") or "2+2").split("+"))
    disk = med([float(x) for x in dd.split()])
    want = 0.7 * disk * k / (k + m)
    return want, f"≥ 0.7 × dd {disk:.0f} × {k}/{k + m} = {want:.0f}"


def floor_section(res, cond):
    """tests/bench/floor's steps, summed per MiB of object (floor.tsv)."""
    try:
        with open(os.path.join(res, "floor.tsv")) as f:
            steps = [line.rstrip("\n").split("\t") for line in f
                     if line.strip()]
    except OSError:
        return []
    # conditions.txt has "date=... host=... nproc=N" on one line
    ncpu = next((int(w.split("=")[1]) for line in cond
                 for w in line.split() if w.startswith("nproc=")), 1)
    lines = ["### The CPU floor of a large PUT", "",
             "Each step alone, on the idle machine (tests/bench/floor): "
             "ms of CPU, machine-wide, per MiB the step handles, and how "
             "many such MiB each MiB of a 2+2 object takes.", "",
             "| step | ms per MiB | MiB per MiB of object "
             "| ms per MiB of object |", "|---|---|---|---|"]
    total = {4: 0.0, 8: 0.0}
    for step, ms, times in steps:
        per = float(ms) * float(times)
        lines.append(f"| {step} | {float(ms):.3f} | {float(times):g} "
                     f"| {per:.3f} |")
        if step.startswith("MD5, 4 "):
            total[4] += per
        elif step.startswith("MD5, 8 "):
            total[8] += per
        elif not step.startswith("MD5"):
            total[4] += per
            total[8] += per
    want = put64_target(cond)
    lines.append("")
    for bodies, t in total.items():
        if t <= 0:
            continue
        line = (f"With {bodies} uploads at once: {t:.2f} ms per MiB, so "
                f"{ncpu} CPUs doing nothing else could store at most "
                f"{ncpu * 1000 / t:,.0f} MiB/s")
        if want:
            line += (f"; the target, {want[0]:.0f} MiB/s, leaves "
                     f"{ncpu * 1000 / want[0] - t:.2f} ms per MiB for all "
                     f"the rest")
        lines.append(line + ".")
    lines.append("")
    return lines


def list_section(path):
    lines = ["### 1,000,000 keys", ""]
    try:
        secs = open(os.path.join(path, "load-seconds")).read().strip()
        lines.append(f"Loading 1,000,000 zero-byte objects (100 prefixes "
                     f"of 10,000, 128 connections) took {secs} s "
                     f"({1e6 / max(float(secs), 1):,.0f} PUT/s).")
    except OSError:
        pass
    lines += ["", "| listing | pages | p50 ms | p99 ms | max ms |",
              "|---|---|---|---|---|"]
    try:
        with open(os.path.join(path, "list-flat.json")) as f:
            doc = json.load(f)
        st = doc["phases"][0]["ops"]["list"]
        lines.append(f"| ListObjectsV2, 1000 keys/page, no delimiter, "
                     f"{st['keys']:,} keys listed | {st['ok']:,} "
                     f"| {st['lat_ms']['p50']:.2f} | {st['lat_ms']['p99']:.2f} "
                     f"| {st['lat_ms']['max']:.2f} |")
    except (OSError, KeyError, IndexError, ValueError):
        pass
    try:
        with open(os.path.join(path, "list-delim.json")) as f:
            doc = json.load(f)
        for c in doc["cases"]:
            lines.append(f"| {c['name']} | {c['pages']:,} | {c['p50_ms']:.2f} "
                         f"| {c['p99_ms']:.2f} | {c['max_ms']:.2f} |")
    except (OSError, KeyError, ValueError):
        pass
    lines.append("")
    return lines


if __name__ == "__main__":
    sys.exit(main())
