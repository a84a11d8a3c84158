package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;

/**
 * Records larger than the whole budget (values of four times it, keys of two or three times it)
 * among many small ones: the group-by, the sorter and the merger write each to a spill of its own
 * (the partial combiner hands it on) and give what an in-memory model gives, values in input order,
 * within the budget; the rule checks that nothing is left on disk and every byte is back in the
 * pool.
 */
public class LargeRecordTest {
  private static final int BUDGET = 128 << 10;

  @Rule public final SpillDirRule spill = new SpillDirRule();

  /** The input: small records over 300 keys, with large values and one large key among them. */
  private static List<byte[][]> input() {
    Random random = new Random(3);
    List<byte[][]> records = new ArrayList<>();
    byte[] largeKey = bytes(random, 2 * BUDGET);
    for (int i = 0; i < 30_000; i++) {
      byte[] key = OrderedBytes.encodeLong(random.nextInt(300));
      records.add(new byte[][] {key, bytes(random, random.nextInt(12))});
      if (i % 7_000 == 3_000) {
        // Key 7 has small values too: its large ones must come out among them, in order.
        records.add(new byte[][] {OrderedBytes.encodeLong(7), bytes(random, 4 * BUDGET + i)});
        records.add(new byte[][] {largeKey, bytes(random, 3)});
      }
    }
    records.add(new byte[][] {OrderedBytes.encodeLong(1_000), bytes(random, 4 * BUDGET)});
    return records;
  }

  private static byte[] bytes(Random random, int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  private static long largeRecords(List<byte[][]> records) {
    return records.stream().filter(r -> r[0].length + r[1].length > BUDGET).count();
  }

  @Test
  public void theGroupByGroupsRecordsLargerThanTheBudgetAsTheModelDoes() {
    List<byte[][]> input = input();
    Map<ByteBuffer, List<byte[]>> model = new LinkedHashMap<>();
    for (byte[][] r : input) {
      model.computeIfAbsent(ByteBuffer.wrap(r[0]), k -> new ArrayList<>()).add(r[1]);
    }
    try (ExternalGroupBy groups = new ExternalGroupBy(spill.config(BUDGET))) {
      for (byte[][] r : input) {
        groups.add(r[0], r[1]);
      }
      int keys = 0;
      try (GroupCursor out = groups.finish()) {
        while (out.next()) {
          byte[] key =
              Arrays.copyOfRange(
                  out.keyArray(), out.keyOffset(), out.keyOffset() + out.keyLength());
          List<byte[]> expected = model.get(ByteBuffer.wrap(key));
          // Read twice: a group's values are re-iterable, large ones included.
          for (int pass = 0; pass < 2; pass++) {
            ValueCursor values = out.values().cursor();
            int i = 0;
            while (values.next()) {
              assertArrayEquals(
                  "value " + i + " of a key of " + key.length + " bytes",
                  expected.get(i++),
                  Arrays.copyOfRange(
                      values.array(), values.offset(), values.offset() + values.length()));
            }
            assertEquals(expected.size(), i);
          }
          assertEquals(expected.size(), out.values().count());
          keys++;
        }
      }
      assertEquals(model.size(), keys);
      SpillStats stats = groups.stats();
      assertEquals(largeRecords(input), stats.largeRecords());
      assertThat(stats.peakMemoryBytes(), lessThanOrEqualTo((long) BUDGET));
    }
  }

  /**
   * Sums over small keys and three keys of twice the budget, each added many times: a large key's
   * records go to disk one by one (its partition then repartitioned down to the sorted fallback),
   * through {@code add} and {@code addAccumulator}, spilling or flushing.
   */
  @Test
  public void theMergerSumsKeysLargerThanTheBudgetAsTheModelDoes() {
    for (boolean flushing : new boolean[] {false, true}) {
      Random random = new Random(4);
      byte[][] largeKeys = {
        bytes(random, 2 * BUDGET), bytes(random, 2 * BUDGET + 1), bytes(random, 3 * BUDGET)
      };
      Map<ByteBuffer, Long> model = new LinkedHashMap<>();
      Map<ByteBuffer, Long> sums = new LinkedHashMap<>();
      long large = 0;
      try (ExternalMerger<Long, long[]> merger =
          new ExternalMerger<>(new LongSum(), LongSum.CODEC, spill.config(BUDGET))) {
        if (flushing) {
          merger.flushWhenFull(
              (k, off, len, acc) ->
                  sums.merge(
                      ByteBuffer.wrap(Arrays.copyOfRange(k, off, off + len)), acc[0], Long::sum));
        }
        for (int i = 0; i < 40_000; i++) {
          boolean isLarge = i % 1_000 == 10;
          byte[] key =
              isLarge
                  ? largeKeys[random.nextInt(3)]
                  : OrderedBytes.encodeLong(random.nextInt(9_000));
          long value = random.nextInt(100);
          if (i % 2 == 0) {
            merger.add(key, value);
          } else {
            merger.addAccumulator(key, 0, key.length, new long[] {value});
          }
          model.merge(ByteBuffer.wrap(key), value, Long::sum);
          large += isLarge ? 1 : 0;
        }
        try (CombineCursor<long[]> out = merger.finish()) {
          while (out.next()) {
            sums.merge(
                ByteBuffer.wrap(
                    Arrays.copyOfRange(
                        out.keyArray(), out.keyOffset(), out.keyOffset() + out.keyLength())),
                out.accumulator()[0],
                Long::sum);
          }
        }
        assertEquals(large, merger.stats().largeRecords());
        assertThat(merger.stats().peakMemoryBytes(), lessThanOrEqualTo((long) BUDGET));
      }
      ModelAssert.assertSameMap(model, sums);
    }
  }

  /** The partial combiner hands a key larger than the budget on by itself, uncombined. */
  @Test
  public void thePartialCombinerPassesKeysLargerThanTheBudgetOn() {
    Random random = new Random(6);
    byte[] largeKey = bytes(random, 2 * BUDGET);
    Map<ByteBuffer, Long> model = new LinkedHashMap<>();
    Map<ByteBuffer, Long> sums = new LinkedHashMap<>();
    RecordSink sink =
        (k, kOff, kLen, v, vOff, vLen) ->
            sums.merge(
                ByteBuffer.wrap(Arrays.copyOfRange(k, kOff, kOff + kLen)),
                LongSum.CODEC.decode(v, vOff, vLen)[0],
                Long::sum);
    try (PartialCombiner<Long, long[]> partial =
        new PartialCombiner<>(new LongSum(), LongSum.CODEC, spill.config(BUDGET), sink)) {
      for (int i = 0; i < 20_000; i++) {
        byte[] key = i % 500 == 3 ? largeKey : OrderedBytes.encodeLong(random.nextInt(300));
        long value = random.nextInt(100);
        partial.add(key, 0, key.length, value);
        model.merge(ByteBuffer.wrap(key), value, Long::sum);
      }
      partial.finish();
      // The first is handed on by itself; the flush it forces may end combining for good.
      assertThat(partial.stats().largeRecords(), greaterThanOrEqualTo(1L));
    }
    ModelAssert.assertSameMap(model, sums);
  }

  /**
   * A partition holding a value spilled alone loads through the table with that value's key hot
   * (its values gathered apart, in order), not through the sorted merge: before, one such value
   * sent its whole partition to the sort (12 of 59 partitions at 512 KiB in ModelRuns' group-by).
   */
  @Test
  public void aPartitionWithALoneValueLoadsWithItsKeyHot() {
    Random random = new Random(8);
    Map<ByteBuffer, List<byte[]>> model = new LinkedHashMap<>();
    try (ExternalGroupBy groups = new ExternalGroupBy(spill.config(BUDGET))) {
      // 5,000 keys: about 85 a partition, none of them hot in a sample of its values.
      for (int i = 0; i < 30_000; i++) {
        byte[] key = OrderedBytes.encodeLong(random.nextInt(5_000));
        byte[] value = bytes(random, random.nextInt(12));
        if (i % 10_000 == 5_000) {
          key = OrderedBytes.encodeLong(5);
          value = bytes(random, 2 * BUDGET + i);
        }
        groups.add(key, value);
        model.computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>()).add(value);
      }
      assertSameGroups(model, groups.finish());
      SpillStats stats = groups.stats();
      assertEquals(3, stats.largeRecords());
      assertEquals("partitions merged sorted", 0, stats.sortedMerges());
      assertEquals("hot keys", 1, stats.hotKeys());
    }
  }

  /**
   * A partition that does not fit even without its lone values, because of a key with most of its
   * values: the sample makes that key hot beside the lone values' keys, and the partition still
   * loads through the table (the sample used to replace the lone keys, so a lone value then sent
   * its partition to the sorted merge). Two partitions and nine lone keys, so that some share the
   * crowded key's partition.
   */
  @Test
  public void loneValuesKeysStayHotBesideTheKeysASampleFinds() {
    Random random = new Random(9);
    byte[] crowded = OrderedBytes.encodeLong(1);
    Map<ByteBuffer, List<byte[]>> model = new LinkedHashMap<>();
    try (ExternalGroupBy groups = new ExternalGroupBy(spill.config(BUDGET).withPartitions(2))) {
      for (int i = 0; i < 35_000; i++) {
        byte[] key = i % 20 == 0 ? OrderedBytes.encodeLong(10 + random.nextInt(5_000)) : crowded;
        byte[] value = bytes(random, 1 + random.nextInt(8));
        if (i % 4_000 == 1_000) {
          key = OrderedBytes.encodeLong(2 + i / 4_000);
          value = bytes(random, 2 * BUDGET);
        }
        groups.add(key, value);
        model.computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>()).add(value);
      }
      assertSameGroups(model, groups.finish());
      SpillStats stats = groups.stats();
      assertEquals(9, stats.largeRecords());
      assertEquals("partitions merged sorted", 0, stats.sortedMerges());
      assertEquals("hot keys: the crowded one and the lone values' nine", 10, stats.hotKeys());
    }
  }

  /** Reads every group of {@code out} (closing it) and compares them, values in order, to model. */
  private static void assertSameGroups(Map<ByteBuffer, List<byte[]>> model, GroupCursor out) {
    Map<ByteBuffer, List<byte[]>> got = new LinkedHashMap<>();
    try (GroupCursor c = out) {
      while (c.next()) {
        List<byte[]> values = new ArrayList<>();
        ValueCursor v = c.values().cursor();
        while (v.next()) {
          values.add(Arrays.copyOfRange(v.array(), v.offset(), v.offset() + v.length()));
        }
        got.put(
            ByteBuffer.wrap(
                Arrays.copyOfRange(c.keyArray(), c.keyOffset(), c.keyOffset() + c.keyLength())),
            values);
      }
    }
    assertEquals(model.keySet(), got.keySet());
    model.forEach(
        (k, values) -> {
          List<byte[]> g = got.get(k);
          assertEquals(values.size(), g.size());
          for (int i = 0; i < values.size(); i++) {
            assertArrayEquals(values.get(i), g.get(i));
          }
        });
  }

  @Test
  public void theSorterSortsRecordsLargerThanTheBudgetAsTheModelDoes() {
    List<byte[][]> input = input();
    List<byte[][]> model = new ArrayList<>(input);
    model.sort(Comparator.comparing(r -> r[0], Arrays::compareUnsigned)); // stable
    try (ExternalSorter sorter = new ExternalSorter(spill.config(BUDGET))) {
      for (byte[][] r : input) {
        sorter.add(r[0], r[1]);
      }
      int i = 0;
      try (RecordCursor out = sorter.finish()) {
        while (out.next()) {
          byte[][] expected = model.get(i++);
          assertArrayEquals(
              "key of record " + i,
              expected[0],
              Arrays.copyOfRange(
                  out.keyArray(), out.keyOffset(), out.keyOffset() + out.keyLength()));
          assertArrayEquals(
              "value of record " + i,
              expected[1],
              Arrays.copyOfRange(
                  out.valueArray(), out.valueOffset(), out.valueOffset() + out.valueLength()));
        }
      }
      assertEquals(model.size(), i);
      SpillStats stats = sorter.stats();
      assertEquals(largeRecords(input), stats.largeRecords());
      assertThat(stats.peakMemoryBytes(), lessThanOrEqualTo((long) BUDGET));
    }
  }
}
