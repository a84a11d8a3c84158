package dev.spillway.bench;

import dev.spillway.spill.CombineCursor;
import dev.spillway.spill.CompressionCodec;
import dev.spillway.spill.ExternalGroupBy;
import dev.spillway.spill.ExternalMerger;
import dev.spillway.spill.ExternalSorter;
import dev.spillway.spill.GroupCursor;
import dev.spillway.spill.LongSum;
import dev.spillway.spill.OrderedBytes;
import dev.spillway.spill.RecordCursor;
import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillStats;
import dev.spillway.spill.ValueCursor;
import dev.spillway.templates.workload.Checksum;
import dev.spillway.templates.workload.Generator;
import java.util.List;
import java.util.Locale;

/** The engine itself, on one thread, with the run's memory budget. */
final class SpillwaySystem implements WorkloadSystem {

  @Override
  public String name() {
    return "spillway";
  }

  static SpillConfig config(WorkloadSpec spec) {
    SpillConfig config =
        SpillConfig.withBudget(spec.memoryBytes())
            .withCodec(CompressionCodec.valueOf(spec.codec().toUpperCase(Locale.ROOT)))
            .withEncryption(spec.encrypt());
    return spec.spillDirectory() == null
        ? config
        : config.withSpillDirectories(List.of(spec.spillDirectory()));
  }

  @Override
  public RunResult run(WorkloadSpec spec) {
    switch (spec.workload()) {
      case COMBINE:
        return combine(spec);
      case GROUP:
      case SKEW:
        return group(spec);
      case SORT:
        return sort(spec);
      default:
        throw new IllegalArgumentException(spec.workload().id());
    }
  }

  private static RunResult combine(WorkloadSpec spec) {
    Checksum checksum = new Checksum();
    try (ExternalMerger<Long, long[]> merger =
        new ExternalMerger<>(new LongSum(), LongSum.CODEC, config(spec))) {
      addRecords(spec, merger);
      try (CombineCursor<long[]> out = merger.finish()) {
        while (out.next()) {
          checksum.addCombined(
              OrderedBytes.getUnsignedLong(out.keyArray(), out.keyOffset()), out.accumulator()[0]);
        }
      }
      return result(merger.stats(), checksum);
    }
  }

  private static RunResult group(WorkloadSpec spec) {
    Checksum checksum = new Checksum();
    try (ExternalGroupBy groups = new ExternalGroupBy(config(spec))) {
      addRecords(spec, groups);
      try (GroupCursor out = groups.finish()) {
        while (out.next()) {
          long sum = 0;
          long count = 0;
          ValueCursor values = out.values().cursor();
          while (values.next()) {
            byte[] a = values.array();
            int o = values.offset();
            sum += ((a[o] & 0xFF) << 8) | (a[o + 1] & 0xFF);
            count++;
          }
          checksum.addGroup(
              OrderedBytes.getUnsignedLong(out.keyArray(), out.keyOffset()), sum, count);
        }
      }
      return result(groups.stats(), checksum);
    }
  }

  private static RunResult sort(WorkloadSpec spec) {
    Checksum checksum = new Checksum();
    try (ExternalSorter sorter = new ExternalSorter(config(spec))) {
      addRecords(spec, sorter);
      try (RecordCursor out = sorter.finish()) {
        while (out.next()) {
          checksum.addSorted(OrderedBytes.decodeLong(out.keyArray(), out.keyOffset()));
        }
      }
      return result(sorter.stats(), checksum);
    }
  }

  /** Adds the combine workload's records: an 8-byte key, the value boxed as a Beam value is. */
  static void addRecords(WorkloadSpec spec, ExternalMerger<Long, long[]> merger) {
    byte[] key = new byte[8];
    for (long i = 0; i < spec.records(); i++) {
      long r = Generator.rand(spec.seed(), i);
      OrderedBytes.putUnsignedLong(Generator.key(spec.workload(), r, spec.keys()), key, 0);
      merger.add(key, 0, 8, (long) Generator.value(r));
    }
  }

  /** Adds the group or skew workload's records: an 8-byte key, a 2-byte value. */
  static void addRecords(WorkloadSpec spec, ExternalGroupBy groups) {
    byte[] key = new byte[8];
    byte[] value = new byte[2];
    for (long i = 0; i < spec.records(); i++) {
      long r = Generator.rand(spec.seed(), i);
      OrderedBytes.putUnsignedLong(Generator.key(spec.workload(), r, spec.keys()), key, 0);
      int v = Generator.value(r);
      value[0] = (byte) (v >>> 8);
      value[1] = (byte) v;
      groups.add(key, 0, 8, value, 0, 2);
    }
  }

  /** Adds the sort workload's records: the signed 8-byte key, the record's index as value. */
  static void addRecords(WorkloadSpec spec, ExternalSorter sorter) {
    byte[] key = new byte[8];
    byte[] value = new byte[8];
    for (long i = 0; i < spec.records(); i++) {
      long r = Generator.rand(spec.seed(), i);
      OrderedBytes.putLong(Generator.key(spec.workload(), r, spec.keys()), key, 0);
      OrderedBytes.putUnsignedLong(i, value, 0);
      sorter.add(key, 0, 8, value, 0, 8);
    }
  }

  private static RunResult result(SpillStats stats, Checksum checksum) {
    return new RunResult(
        stats.spillCount(),
        stats.diskBytesSpilled(),
        stats.memoryBytesSpilled(),
        stats.peakMemoryBytes(),
        checksum);
  }
}
