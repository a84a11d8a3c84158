#!/usr/bin/env bash
# The four workloads of WORKLOADS.md at full N on a Flink session cluster of separate JVMs (a
# JobManager and two TaskManagers with one slot and TASK_HEAP of task heap each, started by
# scripts/flink-cluster.sh on REST port PORT): spillway's transforms and Beam's built-ins
# alternating, then the floor (the same records generated and checksummed, nothing combined,
# grouped or sorted); parallelism 2, a 64 MiB budget per TaskManager. Then combine again with
# full tables flushed before the shuffle instead of spilled (-Dspillway.flush=true, reported as
# spillway-flink-flush), at 64 and 16 MiB, beside spilling at 16 MiB. One JSON line per run;
# ROUNDS (default 1) repeats the batch. First every system runs every workload at a tenth of N,
# untimed: the TaskManagers live across jobs, and the first job on them would otherwise pay for
# their class loading and JIT. The cluster is stopped at the end, also on failure.
# Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/spillway-benchmarks.jar
port=${PORT:-8081}
work=$(mktemp -d "${TMPDIR:-/tmp}/spillway-cluster.XXXXXX")
trap 'scripts/flink-cluster.sh stop "$work" >&2; rm -rf "$work"' EXIT
scripts/flink-cluster.sh start "$work" "$port" >&2
run() { # java options..., then --: the runner's arguments
  local java_opts=()
  while [[ $1 != -- ]]; do java_opts+=("$1"); shift; done
  shift
  java -Xmx1g "${java_opts[@]}" -jar "$jar" "$@" --flink-master "localhost:$port" \
      2> >(grep -E "error|Exception" >&2 || true)
}
for workload in combine group skew sort; do
  records=$([[ $workload == combine || $workload == sort ]] && echo 2000000 || echo 1000000)
  for system in spillway-flink beam-flink flink-floor; do
    run -- --workload "$workload" --system "$system" --records "$records" > /dev/null
  done
done
for _ in $(seq 1 "${ROUNDS:-1}"); do
  for workload in combine group skew sort; do
    for system in spillway-flink beam-flink flink-floor; do
      run -- --workload "$workload" --system "$system"
    done
  done
  for mb in 64 16; do
    [[ $mb == 64 ]] || run -- --workload combine --system spillway-flink --memory-mb "$mb"
    run -Dspillway.flush=true -- --workload combine --system spillway-flink --memory-mb "$mb" \
      | sed 's/"spillway-flink"/"spillway-flink-flush"/'
  done
done
