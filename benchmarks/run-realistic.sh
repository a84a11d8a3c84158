#!/usr/bin/env bash
# The command line's jobs over a realistic CSV (benchmarks/make-sales-csv.py: 4,000,000 rows,
# 579 MB, quoted fields, Unicode, ~4M distinct (country, city, product)) at -Xmx512m, with
# --memory 64m and 16m, both shuffles; prints wall time, peak RSS and exit code per run.
# Build first: mvn -B -ntp -q -DskipTests install.  Usage: benchmarks/run-realistic.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-4000000}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
python3 benchmarks/make-sales-csv.py "$rows" "$data/sales.csv"
jar=templates/target/spillway.jar
run() {
  local label=$1; shift
  /usr/bin/time -f "$label	%e s	%M KB	exit %x" java -Xmx512m -jar "$jar" "$@" -q \
      2>&1 >/dev/null | grep -E "	exit|^done" | tr '\n' ' ' || true
  echo
}
for mem in 64m 16m; do
  for shuffle in files runner; do
    run "aggregate $mem $shuffle" aggregate -i "$data/sales.csv" -o "$data/out/agg.csv" \
        -g country,city,product -a sum:qty,count,max:amount,min:epoch_ms --memory $mem \
        --shuffle $shuffle
    run "group $mem $shuffle" group -i "$data/sales.csv" -o "$data/out/group.csv" \
        -k country,city,product -v note --memory $mem --shuffle $shuffle
  done
  run "sort $mem" sort -i "$data/sales.csv" -o "$data/out/sort.csv" -c epoch_ms --numeric \
      --memory $mem
done
