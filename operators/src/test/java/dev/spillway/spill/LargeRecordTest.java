package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
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
 * Records larger than the whole budget (values of four times it, a key of twice it) among many
 * small ones: the group-by and the sorter write each to a spill of its own and give what an
 * in-memory model gives, values in input order, within the budget; the rule checks that nothing is
 * left on disk and every byte is back in the pool.
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
