#!/usr/bin/env python3
"""Reads the JSON lines of run-workloads.sh (or run-spark.sh) on stdin; prints a Markdown table
of medians.

Checks that every run of a workload agrees on output_keys and checksum, and fails if not; the
floors (systems ending in -floor) checksum their records instead, and are left out of the check.
"""
import json
import statistics
import sys

runs = [json.loads(line) for line in sys.stdin if line.startswith("{")]
groups = {}
for r in runs:
    # Runs at another budget than the default 64 MiB (run-cluster.sh's 16 MiB ones) apart.
    heap = r.get("heap", "")
    if r.get("memory_mb", 64) != 64:
        heap = "%s, %d MiB" % (heap, r["memory_mb"]) if heap else "%d MiB" % r["memory_mb"]
    groups.setdefault((r["workload"], r["system"], heap), []).append(r)

checks = {}
for r in runs:
    if r["system"].endswith("-floor"):
        continue
    checks.setdefault(r["workload"], set()).add((r["output_keys"], r["checksum"]))
bad = {w: c for w, c in checks.items() if len(c) != 1}
if bad:
    sys.exit("checksums disagree: %s" % bad)

# The baseline: the fast in-memory system's median rate per workload.
baseline = {}
for (workload, system, heap), rs in groups.items():
    if system == "in-memory":
        baseline[workload] = statistics.median(r["records_per_second"] for r in rs)

print("| workload | system | heap | runs | median records/s | best records/s | median s | × in-memory | spills | disk bytes spilled | output keys | checksum |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for (workload, system, heap), rs in groups.items():
    rates = [r["records_per_second"] for r in rs]
    secs = [r["seconds"] for r in rs]
    r0 = rs[0]
    ratio = ("%.2f" % (statistics.median(rates) / baseline[workload])
             if workload in baseline else "—")
    print("| %s | %s | %s | %d | %s | %s | %.2f | %s | %d | %s | %s | %s |" % (
        workload, system, heap, len(rs), format(int(statistics.median(rates)), ","),
        format(max(rates), ","), statistics.median(secs), ratio, r0["spills"],
        format(r0["disk_bytes_spilled"], ","), format(r0["output_keys"], ","), r0["checksum"]))
