#!/usr/bin/env bash
# The workloads as Beam pipelines at N = 200,000 (K = N / 10), all with -Xmx2g: spillway's
# transforms and Beam's built-ins on the DirectRunner, the DirectRunner's floor (the records
# generated and checksummed, nothing grouped) and spillway's transforms on the Flink runner's
# local mode. Each DirectRunner system runs twice: cold (a fresh JVM, one run: what a one-off job
# sees) and warm (the run after WARMUP untimed runs in the same JVM: the steady throughput).
# Prints one JSON line per run, prefixed with "cold" or "warm"; the heap peaks go to stderr.
# Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/spillway-benchmarks.jar
warmup=${WARMUP:-5}
run() { # label workload system [runner args...]
  local label=$1 workload=$2 system=$3
  shift 3
  java -Xmx2g -jar "$jar" --workload "$workload" --records 200000 --keys 20000 \
      --system "$system" "$@" 2> >(grep "peak" | sed "s/^/$label $workload $system: /" >&2) \
    | sed "s/^/$label /"
}
for workload in combine group skew sort; do
  for system in spillway-direct beam-direct direct-floor; do
    run cold "$workload" "$system"
    run warm "$workload" "$system" --warmup "$warmup"
  done
  run cold "$workload" spillway-flink
done
