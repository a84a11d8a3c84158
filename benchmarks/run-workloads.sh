#!/usr/bin/env bash
# Runs every standard workload of benchmarks/WORKLOADS.md at full size, side by side, in one
# run: spillway at -Xmx512m and at -Xmx256m (64 MiB budget), the fastest in-memory Java
# (in-memory: primitive arrays and fastutil) and boxed collections (in-memory-boxed), both at
# -Xmx4g, each REPEAT times (default 3; this machine's speed varies
# from run to run). Prints one JSON line per run; pipe into summarize-workloads.py for the table.
# Snappy, as the engine table of BENCHMARKS.md was measured (run-codecs.sh compares the codecs).
# Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/spillway-benchmarks.jar
repeat=${REPEAT:-3}
for workload in combine group skew sort; do
  for _ in $(seq "$repeat"); do
    java -Xmx512m -jar "$jar" --workload "$workload" --system spillway --codec snappy 2>/dev/null | sed 's/^{/{"heap": "512m", /'
    java -Xmx256m -jar "$jar" --workload "$workload" --system spillway --codec snappy 2>/dev/null | sed 's/^{/{"heap": "256m", /'
    java -Xmx4g -jar "$jar" --workload "$workload" --system in-memory 2>/dev/null | sed 's/^{/{"heap": "4g", /'
    java -Xmx4g -jar "$jar" --workload "$workload" --system in-memory-boxed 2>/dev/null | sed 's/^{/{"heap": "4g", /'
  done
done
