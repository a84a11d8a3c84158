#!/usr/bin/env python3
"""Reads the JSON lines of run-workloads.sh on stdin; prints a Markdown table of medians.

Checks that every run of a workload agrees on output_keys and checksum, and fails if not.
"""
import json
import statistics
import sys

runs = [json.loads(line) for line in sys.stdin if line.startswith("{")]
groups = {}
for r in runs:
    groups.setdefault((r["workload"], r["system"], r["heap"]), []).append(r)

checks = {}
for r in runs:
    checks.setdefault(r["workload"], set()).add((r["output_keys"], r["checksum"]))
bad = {w: c for w, c in checks.items() if len(c) != 1}
if bad:
    sys.exit("checksums disagree: %s" % bad)

print("| workload | system | heap | runs | median records/s | best records/s | median s | spills | disk bytes spilled | output keys | checksum |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (workload, system, heap), rs in groups.items():
    rates = [r["records_per_second"] for r in rs]
    secs = [r["seconds"] for r in rs]
    r0 = rs[0]
    print("| %s | %s | %s | %d | %s | %s | %.2f | %d | %s | %s | %s |" % (
        workload, system, heap, len(rs), format(int(statistics.median(rates)), ","),
        format(max(rates), ","), statistics.median(secs), r0["spills"],
        format(r0["disk_bytes_spilled"], ","), format(r0["output_keys"], ","), r0["checksum"]))
