package dev.spillway.bench;

import dev.spillway.spill.CombineCursor;
import dev.spillway.spill.ExternalGroupBy;
import dev.spillway.spill.ExternalMerger;
import dev.spillway.spill.ExternalSorter;
import dev.spillway.spill.GroupCursor;
import dev.spillway.spill.LongSum;
import dev.spillway.spill.OrderedBytes;
import dev.spillway.spill.RecordCursor;
import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillingEngine;
import dev.spillway.spill.ValueCursor;
import dev.spillway.templates.workload.Generator;
import dev.spillway.templates.workload.Workload;

/**
 * Times an engine's input phase (every {@code add}) and output phase ({@code finish} and reading
 * everything) apart, several times in one JVM, so that a change to one phase is measured warm and
 * without the other's noise:
 *
 * <pre>
 * java -Xmx512m -cp benchmarks/target/spillway-benchmarks.jar dev.spillway.bench.EnginePhases \
 *     combine|group|skew|sort|few-keys [runs, default 3] [codec: lz4 (default), snappy, none] \
 *     [budget in MiB, default 64]
 * </pre>
 *
 * The first four are WORKLOADS.md's at full N (seed 42); {@code few-keys} is a group-by of 10M
 * 8-byte values over 64 keys (the partial group step of the pipeline's sort). All at the budget and
 * codec given (LZ4 by default). One line per run on stdout.
 */
public final class EnginePhases {
  private static final long SEED = 42;

  private static String codec = "lz4";
  private static int budgetMb = 64;

  private EnginePhases() {}

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "";
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    codec = args.length > 2 ? args[2] : "lz4";
    budgetMb = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    for (int run = 0; run < runs; run++) {
      switch (what) {
        case "combine":
          combine();
          break;
        case "sort":
          sort();
          break;
        case "group":
          group(false);
          break;
        case "skew":
          group(true);
          break;
        case "few-keys":
          fewKeys();
          break;
        default:
          throw new IllegalArgumentException(
              "combine, group, skew, sort or few-keys, not '" + what + "'");
      }
    }
  }

  private static SpillConfig config() {
    return SpillwaySystem.config(spec(Workload.GROUP));
  }

  /**
   * The workload at full N, seed 42, the budget and the codec, the records of the workload runner.
   */
  private static WorkloadSpec spec(Workload workload) {
    return new WorkloadSpec(
        workload,
        workload.defaultRecords(),
        workload.defaultKeys(),
        SEED,
        budgetMb,
        codec,
        false,
        null);
  }

  private static void combine() {
    WorkloadSpec spec = spec(Workload.COMBINE);
    long sum = 0;
    try (ExternalMerger<Long, long[]> merger =
        new ExternalMerger<>(new LongSum(), LongSum.CODEC, SpillwaySystem.config(spec))) {
      long start = System.nanoTime();
      SpillwaySystem.addRecords(spec, merger);
      long input = System.nanoTime();
      try (CombineCursor<long[]> out = merger.finish()) {
        while (out.next()) {
          sum += out.accumulator()[0];
        }
      }
      report("combine", merger, start, input, sum);
    }
  }

  private static void sort() {
    WorkloadSpec spec = spec(Workload.SORT);
    long sum = 0;
    try (ExternalSorter sorter = new ExternalSorter(SpillwaySystem.config(spec))) {
      long start = System.nanoTime();
      SpillwaySystem.addRecords(spec, sorter);
      long input = System.nanoTime();
      try (RecordCursor out = sorter.finish()) {
        while (out.next()) {
          sum += out.keyArray()[out.keyOffset()];
        }
      }
      report("sort", sorter, start, input, sum);
    }
  }

  private static void group(boolean skew) {
    WorkloadSpec spec = spec(skew ? Workload.SKEW : Workload.GROUP);
    try (ExternalGroupBy groups = new ExternalGroupBy(SpillwaySystem.config(spec))) {
      long start = System.nanoTime();
      SpillwaySystem.addRecords(spec, groups);
      long input = System.nanoTime();
      report(spec.workload().id(), groups, start, input, drain(groups));
    }
  }

  private static long drain(ExternalGroupBy groups) {
    long sum = 0;
    try (GroupCursor out = groups.finish()) {
      while (out.next()) {
        ValueCursor values = out.values().cursor();
        while (values.next()) {
          sum += values.array()[values.offset()];
        }
      }
    }
    return sum;
  }

  private static void fewKeys() {
    byte[] key = new byte[4];
    byte[] value = new byte[8];
    try (ExternalGroupBy groups = new ExternalGroupBy(config())) {
      long start = System.nanoTime();
      for (long i = 0; i < 10_000_000; i++) {
        long r = Generator.rand(SEED, i);
        int k = (int) ((r >>> 1) % 64);
        key[0] = (byte) k;
        key[3] = (byte) (k * 7);
        OrderedBytes.putLong(r, value, 0);
        groups.add(key, 0, 4, value, 0, 8);
      }
      long input = System.nanoTime();
      report("few-keys", groups, start, input, drain(groups));
    }
  }

  private static void report(String what, SpillingEngine engine, long start, long input, long sum) {
    long end = System.nanoTime();
    System.out.printf(
        "%s: input %.2f s, output %.2f s, %d spills (sum %d)%n",
        what, (input - start) / 1e9, (end - input) / 1e9, engine.stats().spillCount(), sum);
  }
}
