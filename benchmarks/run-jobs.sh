#!/usr/bin/env bash
# The command line's jobs on generated workloads at full N (WORKLOADS.md), DirectRunner, 64 MB
# of spill memory, -Xmx2g: generate, then aggregate / group / sort, each timed by the job's own
# summary line (stderr). Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
cli="java -Xmx2g -jar templates/target/spillway.jar"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
for w in combine group sort; do
  $cli generate --workload "$w" --output "$data/$w.csv"
done
$cli aggregate -q -i "$data/combine.csv" -o "$data/out/sums.csv" -g key -a sum:value,count,mean:value
$cli group -q -i "$data/group.csv" -o "$data/out/groups.csv" -k key -v value
$cli sort -q -i "$data/sort.csv" -o "$data/out/sorted.csv" -c key --numeric
