#!/usr/bin/env python3
"""Reads the JSON lines of run-workloads.sh (or run-spark.sh) on stdin; prints a Markdown table
of medians. Runs on Flink or Spark also report job_seconds, the job's own time (Flink's net
runtime: no client start-up, translation or result polling; on Spark, from the submission with
the context already started: no context start-up); then a second table sets each
system's medians beside Beam's built-ins on the same runner (spillway-R against beam-R), by the
client's wall clock and by the job's time.

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

# spillway-R against beam-R (and the floor R-floor) on runners whose runs report the job's time.
with_job = {k: rs for k, rs in groups.items() if all("job_seconds" in r for r in rs)}
if with_job:
    print()
    print("| workload | runner | spillway s (job s) | built-in s (job s) | floor s (job s) "
          "| spillway / built-in by wall clock | by job time |")
    print("|---|---|---|---|---|---|---|")
    def med(rs, field):
        return statistics.median(r[field] for r in rs)
    for (workload, system, heap), rs in with_job.items():
        if not system.startswith("spillway-") or system.count("-") != 1:
            continue
        runner = system.split("-", 1)[1]
        beam = with_job.get((workload, "beam-" + runner, heap))
        floor = with_job.get((workload, runner + "-floor", heap))
        if not beam:
            continue
        cell = lambda xs: "%.2f (%.2f)" % (med(xs, "seconds"), med(xs, "job_seconds")) if xs else "—"
        print("| %s | %s | %s | %s | %s | %.2f× | %.2f× |" % (
            workload, runner, cell(rs), cell(beam), cell(floor),
            med(beam, "seconds") / med(rs, "seconds"),
            med(beam, "job_seconds") / med(rs, "job_seconds")))
