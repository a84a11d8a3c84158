#!/usr/bin/env bash
# Runs every standard workload of benchmarks/WORKLOADS.md at full size, side by side, in one
# run: spillway at -Xmx512m and at -Xmx256m (64 MiB budget), the fastest in-memory Java
# (in-memory: primitive arrays and fastutil) and boxed collections (in-memory-boxed), both at
# -Xmx4g, each REPEAT times (default 3; this machine's speed varies
# from run to run). Prints one JSON line per run; pipe into summarize-workloads.py for the table.
# CODEC (default lz4, the engine's default; the tables before 2026-12-04 pinned snappy) picks the
# spill codec; BOXED=0 leaves out in-memory-boxed (30 s a run; it is not the baseline).
# Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/spillway-benchmarks.jar
repeat=${REPEAT:-3}
codec=${CODEC:-lz4}
for workload in combine group skew sort; do
  for _ in $(seq "$repeat"); do
    java -Xmx512m -jar "$jar" --workload "$workload" --system spillway --codec "$codec" 2>/dev/null | sed 's/^{/{"heap": "512m", /'
    java -Xmx256m -jar "$jar" --workload "$workload" --system spillway --codec "$codec" 2>/dev/null | sed 's/^{/{"heap": "256m", /'
    java -Xmx4g -jar "$jar" --workload "$workload" --system in-memory 2>/dev/null | sed 's/^{/{"heap": "4g", /'
    if [[ ${BOXED:-1} != 0 ]]; then
      java -Xmx4g -jar "$jar" --workload "$workload" --system in-memory-boxed 2>/dev/null | sed 's/^{/{"heap": "4g", /'
    fi
  done
done
