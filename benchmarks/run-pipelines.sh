#!/usr/bin/env bash
# The workloads as Beam pipelines at N = 200,000 (K = N / 10): spillway's transforms and Beam's
# built-ins on the DirectRunner, spillway's on the Flink runner's local mode, all with -Xmx2g.
# Prints one JSON line per run; the heap peaks go to stderr. Build first:
# mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/spillway-benchmarks.jar
for workload in combine group skew sort; do
  for system in spillway-direct beam-direct spillway-flink; do
    java -Xmx2g -jar "$jar" --workload "$workload" --records 200000 --keys 20000 \
        --system "$system" 2> >(grep "peak" | sed "s/^/$workload $system: /" >&2)
  done
done
