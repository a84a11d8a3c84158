#!/usr/bin/env bash
# The spill codecs side by side: the engine on every workload at full N, 64 MiB, -Xmx512m, with
# --codec snappy, lz4 and none, REPEAT times each (default 3), interleaved so that the machine's
# drift falls on all three alike. One JSON line per run (it names its codec, as "codec").
# Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar=benchmarks/target/spillway-benchmarks.jar
for i in $(seq "${REPEAT:-3}"); do
  for workload in combine group skew sort; do
    for codec in snappy lz4 none; do
      java -Xmx512m -jar "$jar" --workload "$workload" --codec "$codec" 2>/dev/null \
          | sed "s/^{/{\"codec\": \"$codec\", /"
    done
  done
done
