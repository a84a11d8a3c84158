#!/usr/bin/env bash
# The degradation curve: the engine's throughput against its budget, for each workload of
# WORKLOADS.md at full N, from 1/64 of the working set to twice it. The working set is the fast
# in-memory baseline's live heap with its structure built (after a System.gc()), measured first
# in the same batch. REPEAT (default 3) sweeps every budget that many times, one sweep after the
# other, so that a slow moment of the machine lands on different points; the plot takes each
# point's median. One JSON line per run, with "fraction" and "working_set_bytes" added; plot with
# plot-curve.py:
#   bash benchmarks/run-curve.sh > curve.jsonl && python3 benchmarks/plot-curve.py < curve.jsonl
# Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/spillway-benchmarks.jar
for workload in ${WORKLOADS:-combine group skew sort}; do
  ws=$(java -Xmx4g -jar "$jar" --workload "$workload" --system in-memory 2>&1 >/dev/null \
      | sed -n 's/^peak engine memory \([0-9,]*\) bytes.*/\1/p' | tr -d ,)
  for _ in $(seq "${REPEAT:-3}"); do
    for fraction in 0.015625 0.0625 0.125 0.25 0.5 1 2; do
      mb=$(python3 -c "print(max(1, round($ws * $fraction / 2**20)))")
      heap=$(( mb + 256 ))
      java -Xmx${heap}m -jar "$jar" --workload "$workload" --system spillway --memory-mb "$mb" \
          2>/dev/null | sed "s/^{/{\"fraction\": $fraction, \"working_set_bytes\": $ws, /"
    done
  done
done
