#!/usr/bin/env bash
# A Flink 1.19 session cluster on this machine, to try spillway's jobs and transforms on separate
# JVMs: one JobManager and two TaskManagers (one slot each, TASK_HEAP of task heap, default 512m),
# started from Flink's own entry points with the classes of templates/target/spillway.jar (which
# carries Flink 1.19 for the embedded runner), a generated configuration, REST on localhost:PORT.
#
#   scripts/flink-cluster.sh start DIR [PORT]   # default PORT 8081; logs and temp files in DIR
#   scripts/flink-cluster.sh stop DIR           # stops every process it started, deletes DIR/tmp
#
# Then, for example:
#   java -jar templates/target/spillway.jar aggregate -i in.csv -o out.csv -g key -a count \
#       --runner flink --flink-master localhost:8081 --memory 64m
# TM_JAVA_OPTS adds JVM options to the TaskManagers, {tm} standing for tm1 or tm2 (a flight
# recording, say: TM_JAVA_OPTS="-XX:StartFlightRecording=filename=DIR/{tm}.jfr,settings=profile").
# (--memory is each TaskManager's budget; input, output and the work directory beside it must be
# on a file system every TaskManager sees, which on one machine they are.)
# Build first: mvn -B -ntp -q -DskipTests install
set -euo pipefail
cd "$(dirname "$0")/.."
jar="$PWD/templates/target/spillway.jar"
cmd=${1:-}; dir=${2:-}
if [[ -z $cmd || -z $dir ]]; then
  echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2
fi
if [[ $cmd == start ]]; then
  port=${3:-8081}; heap=${TASK_HEAP:-512m}
  [[ -f $jar ]] || { echo "no $jar: build first (mvn -B -ntp -q -DskipTests install)" >&2; exit 2; }
  mkdir -p "$dir/conf" "$dir/log" "$dir/tmp"; dir="$(cd "$dir" && pwd)"
  cat > "$dir/conf/flink-conf.yaml" <<CONF
jobmanager.rpc.address: localhost
jobmanager.bind-host: localhost
taskmanager.bind-host: localhost
taskmanager.host: localhost
rest.address: localhost
rest.bind-address: localhost
rest.port: $port
taskmanager.rpc.port: 0
taskmanager.data.port: 0
taskmanager.numberOfTaskSlots: 1
parallelism.default: 2
classloader.resolve-order: child-first
jobmanager.memory.process.size: 768m
io.tmp.dirs: $dir/tmp
web.tmpdir: $dir/tmp
taskmanager.cpu.cores: 1
taskmanager.memory.framework.heap.size: 128m
taskmanager.memory.framework.off-heap.size: 128m
taskmanager.memory.task.heap.size: $heap
taskmanager.memory.task.off-heap.size: 0m
taskmanager.memory.managed.size: 128m
taskmanager.memory.network.min: 128m
taskmanager.memory.network.max: 128m
taskmanager.network.sort-shuffle.min-buffers: 32
taskmanager.memory.jvm-metaspace.size: 256m
taskmanager.memory.jvm-overhead.min: 192m
taskmanager.memory.jvm-overhead.max: 192m
CONF
  opens="--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED"
  start() { # name, heap, main class
    local extra="" tm_opts=${TM_JAVA_OPTS:-}
    [[ $1 == tm* ]] && extra=${tm_opts//\{tm\}/$1}
    # shellcheck disable=SC2086 # the options are words
    nohup java $opens $extra -Xmx"$2" -Djava.io.tmpdir="$dir/tmp" -cp "$jar" "$3" \
        --configDir "$dir/conf" \
        > "$dir/log/$1.out" 2>&1 &
    echo $! > "$dir/$1.pid"
  }
  start jm 512m org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
  # A TaskManager's JVM heap is its framework heap (128m) plus its task heap, as Flink's own
  # scripts would compute it.
  case $heap in
    *g) heap_mb=$(( ${heap%g} * 1024 )) ;;
    *m) heap_mb=${heap%m} ;;
    *) echo "TASK_HEAP must be in m or g, like 512m or 1g: $heap" >&2; exit 2 ;;
  esac
  for i in 1 2; do
    start "tm$i" "$(( heap_mb + 128 ))m" org.apache.flink.runtime.taskexecutor.TaskManagerRunner
  done
  for _ in $(seq 1 90); do
    if curl -s "localhost:$port/overview" | grep -q '"taskmanagers":2'; then
      echo "Flink cluster up: http://localhost:$port (logs in $dir/log)"; exit 0
    fi
    sleep 1
  done
  echo "the cluster did not come up in 90 s; see $dir/log" >&2; "$0" stop "$dir"; exit 1
elif [[ $cmd == stop ]]; then
  for f in tm1 tm2 jm; do [[ -f $dir/$f.pid ]] && kill "$(cat "$dir/$f.pid")" 2>/dev/null || true; done
  sleep 2
  for f in tm1 tm2 jm; do
    [[ -f $dir/$f.pid ]] && kill -9 "$(cat "$dir/$f.pid")" 2>/dev/null || true; rm -f "$dir/$f.pid"
  done
  rm -rf "$dir/tmp"; echo "Flink cluster stopped"
else
  echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2
fi
