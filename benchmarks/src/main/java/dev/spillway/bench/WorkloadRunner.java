package dev.spillway.bench;

import dev.spillway.bench.PipelineSystem.Transforms;
import dev.spillway.templates.workload.Workload;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The workload runner of benchmarks/WORKLOADS.md:
 *
 * <pre>
 * java -Xmx512m -jar benchmarks/target/spillway-benchmarks.jar \
 *     --workload combine|group|skew|sort --records N [--keys K] [--seed 42] \
 *     [--memory-mb 64] [--codec lz4|snappy|none] [--encrypt true|false] [--spill-dir DIR]
 *     [--system spillway|in-memory|in-memory-boxed|spillway-direct|beam-direct|direct-floor
 *               |spillway-flink|beam-flink|flink-floor] [--flink-master HOST:PORT|[local]]
 *     [--warmup R]
 * </pre>
 *
 * Prints exactly one JSON line on stdout, last; progress goes to stderr. {@code --warmup R} first
 * runs the same workload R times untimed in the same JVM, so the timed run measures compiled code
 * rather than class loading and the JIT (a cold run is what a one-off job sees; a warm one is the
 * steady throughput). The Flink systems run on an embedded cluster unless {@code --flink-master}
 * names a session cluster's REST address (parallelism 2: the two TaskManagers of {@code
 * scripts/flink-cluster.sh}; {@code --memory-mb} is then each TaskManager's budget). The floors
 * ({@code direct-floor}, {@code flink-floor}) are not a workload's implementation: their checksum
 * is of the records, as {@code combine}'s checksum would be of one record per key. The Spark
 * systems are in a jar of their own: {@code SparkWorkloadRunner} of the benchmarks-spark module.
 */
public final class WorkloadRunner {
  /**
   * Each system, made from the command line's options (the Flink ones read {@code --flink-master}).
   */
  private static final Map<String, Function<Map<String, String>, WorkloadSystem>> SYSTEMS =
      Map.of(
          "spillway",
          opts -> new SpillwaySystem(),
          "in-memory",
          opts -> new FastInMemorySystem(),
          "in-memory-boxed",
          opts -> new BoxedInMemorySystem(),
          "spillway-direct",
          opts -> PipelineSystem.direct("spillway-direct", Transforms.SPILLWAY),
          "beam-direct",
          opts -> PipelineSystem.direct("beam-direct", Transforms.BUILT_IN),
          "direct-floor",
          opts -> PipelineSystem.direct("direct-floor", Transforms.NONE),
          "spillway-flink",
          opts -> PipelineSystem.flink("spillway-flink", Transforms.SPILLWAY, flinkMaster(opts)),
          "beam-flink",
          opts -> PipelineSystem.flink("beam-flink", Transforms.BUILT_IN, flinkMaster(opts)),
          "flink-floor",
          opts -> PipelineSystem.flink("flink-floor", Transforms.NONE, flinkMaster(opts)));

  private WorkloadRunner() {}

  private static String flinkMaster(Map<String, String> opts) {
    return opts.getOrDefault("flink-master", "[local]");
  }

  public static void main(String[] args) throws Exception {
    run(args, SYSTEMS, "--flink-master HOST:PORT|[local]");
  }

  /**
   * Runs the workload of {@code args} on one of {@code systems}, made from the parsed options;
   * {@code systemOptions} describes the options the systems read, for the usage line.
   */
  static void run(
      String[] args,
      Map<String, Function<Map<String, String>, WorkloadSystem>> systems,
      String systemOptions)
      throws Exception {
    WorkloadSpec spec;
    WorkloadSystem system;
    int warmups;
    try {
      Map<String, String> opts = parse(args);
      Workload workload = Workload.valueOf(required(opts, "workload").toUpperCase(Locale.ROOT));
      long records =
          Long.parseLong(opts.getOrDefault("records", Long.toString(workload.defaultRecords())));
      long keys = Long.parseLong(opts.getOrDefault("keys", Long.toString(workload.defaultKeys())));
      String dir = opts.get("spill-dir");
      spec =
          new WorkloadSpec(
              workload,
              records,
              keys,
              Long.parseLong(opts.getOrDefault("seed", "42")),
              Long.parseLong(opts.getOrDefault("memory-mb", "64")),
              opts.getOrDefault("codec", "lz4"),
              Boolean.parseBoolean(opts.getOrDefault("encrypt", "false")),
              dir == null ? null : Paths.get(dir));
      String name = opts.getOrDefault("system", systems.containsKey("spillway") ? "spillway" : "");
      Function<Map<String, String>, WorkloadSystem> factory = systems.get(name);
      if (factory == null) {
        throw new IllegalArgumentException(
            "unknown --system " + name + "; known: " + new TreeSet<>(systems.keySet()));
      }
      system = factory.apply(opts);
      warmups = Integer.parseInt(opts.getOrDefault("warmup", "0"));
      if (warmups < 0) {
        throw new IllegalArgumentException("--warmup must be 0 or more, not " + warmups);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(
          "usage: --workload combine|group|skew|sort --records N [--keys K]"
              + " [--seed 42] [--memory-mb 64] [--system "
              + String.join("|", new TreeSet<>(systems.keySet()))
              + "] ["
              + systemOptions
              + "] [--codec lz4|snappy|none] [--encrypt true|false] [--spill-dir DIR] [--warmup R]");
      System.exit(2);
      return;
    }
    System.err.printf(
        "running %s on %s: %,d records, %s keys, seed %d, %d MiB%n",
        spec.workload().id(),
        system.name(),
        spec.records(),
        spec.keys() == 0 ? "2^64" : String.format("%,d", spec.keys()),
        spec.seed(),
        spec.memoryMb());
    for (int i = 0; i < warmups; i++) {
      long warmStart = System.nanoTime();
      system.run(spec);
      System.err.printf(
          "warm-up %d of %d: %.3f s%n", i + 1, warmups, (System.nanoTime() - warmStart) / 1e9);
    }
    long start = System.nanoTime();
    RunResult result;
    double seconds;
    try (HeapWatch heap = new HeapWatch()) {
      result = system.run(spec);
      seconds = (System.nanoTime() - start) / 1e9 - result.untimedSeconds();
      if (result.peakMemoryBytes() > 0) {
        System.err.printf("peak engine memory %,d bytes%n", result.peakMemoryBytes());
      }
      System.err.printf(
          "peak heap in use after a GC %,d bytes; peak heap in use %,d bytes%n",
          heap.peakLiveBytes(), heap.peakUsedBytes());
    }
    System.out.println(
        String.format(
            Locale.ROOT,
            "{\"system\": \"%s\", \"workload\": \"%s\", \"records\": %d, \"keys\": %s, "
                + "\"seed\": %d, \"memory_mb\": %d, \"seconds\": %.3f, \"records_per_second\": %d, "
                + "\"spills\": %d, \"disk_bytes_spilled\": %d, \"memory_bytes_spilled\": %d, "
                + "\"output_keys\": %d, \"checksum\": \"%s\"%s}",
            system.name(),
            spec.workload().id(),
            spec.records(),
            spec.keys() == 0 ? "18446744073709551616" : Long.toString(spec.keys()),
            spec.seed(),
            spec.memoryMb(),
            seconds,
            Math.round(spec.records() / seconds),
            result.spills(),
            result.diskBytesSpilled(),
            result.memoryBytesSpilled(),
            result.checksum().outputKeys(),
            result.checksum().value(),
            result.jobSeconds() > 0
                ? String.format(Locale.ROOT, ", \"job_seconds\": %.3f", result.jobSeconds())
                : ""));
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new java.util.HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + a);
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--" + name + " needs a value");
        }
        value = args[++i];
      }
      opts.put(name, value);
    }
    return opts;
  }

  private static String required(Map<String, String> opts, String name) {
    String v = opts.get(name);
    if (v == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }
}
