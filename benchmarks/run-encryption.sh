#!/usr/bin/env bash
# What spill encryption (AES-GCM) costs the engine: combine and sort at full N, 64 MiB, Snappy,
# without and with --encrypt, REPEAT times each, interleaved. One JSON line per run, tagged with
# "encrypt". Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/spillway-benchmarks.jar
for i in $(seq "${REPEAT:-3}"); do
  for workload in combine sort; do
    for encrypt in false true; do
      java -Xmx512m -jar "$jar" --workload "$workload" --codec snappy --encrypt "$encrypt" 2>/dev/null \
          | sed "s/^{/{\"encrypt\": $encrypt, /"
    done
  done
done
