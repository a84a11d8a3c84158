#!/usr/bin/env bash
# The four workloads of WORKLOADS.md at full N on a Flink session cluster of separate JVMs (a
# JobManager and two TaskManagers with one slot and TASK_HEAP of task heap each, started by
# scripts/flink-cluster.sh on REST port PORT), spillway's transforms and Beam's built-ins
# alternating, then the floor (the same records generated and checksummed, nothing combined,
# grouped or sorted); parallelism 2, a 64 MiB budget per TaskManager. One JSON line per run;
# ROUNDS (default 1) repeats the batch. The cluster is stopped at the end, also on failure.
# Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/spillway-benchmarks.jar
port=${PORT:-8081}
work=$(mktemp -d "${TMPDIR:-/tmp}/spillway-cluster.XXXXXX")
trap 'scripts/flink-cluster.sh stop "$work" >&2; rm -rf "$work"' EXIT
scripts/flink-cluster.sh start "$work" "$port" >&2
for _ in $(seq 1 "${ROUNDS:-1}"); do
  for workload in combine group skew sort; do
    for system in spillway-flink beam-flink flink-floor; do
      java -Xmx1g -jar "$jar" --workload "$workload" --system "$system" \
          --flink-master "localhost:$port" 2> >(grep -E "error|Exception" >&2 || true)
    done
  done
done
