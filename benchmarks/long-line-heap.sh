#!/usr/bin/env bash
# The smallest heap (in 16 MiB steps) in which each job of the command line runs over a CSV of
# 101,000 short lines and one line holding a 40 MiB value, at --memory 16m.
# Build first: mvn -B -ntp -q -DskipTests install.  Usage: benchmarks/long-line-heap.sh [JAR]
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${1:-templates/target/spillway.jar}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
python3 - "$data/long.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("key,value\n")
    for i in range(100000):
        f.write("k%d,%d\n" % (i % 1000, i))
    f.write("big," + "x" * (40 << 20) + "\n")
    for i in range(1000):
        f.write("k%d,%d\n" % (i % 1000, i))
PY
smallest_heap() {
  for heap in 96 112 128 144 160 176 192 208 224 256 288 320 352 384 448 512; do
    if java -Xmx${heap}m -jar "$jar" "$@" -q >/dev/null 2>&1; then
      echo "${heap}m"
      return
    fi
  done
  echo "more than 512m"
}
echo "group     $(smallest_heap group -i "$data/long.csv" -k key -v value -o "$data/g.csv" -m 16m)"
echo "sort      $(smallest_heap sort -i "$data/long.csv" -c key -o "$data/s.csv" -m 16m)"
echo "aggregate $(smallest_heap aggregate -i "$data/long.csv" -g value -a count -o "$data/a.csv" -m 16m)"
