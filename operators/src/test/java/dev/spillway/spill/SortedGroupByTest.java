package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;

/**
 * SortedGroupBy against a model: each key once, its values ordered by sort key (unsigned bytes,
 * ties in input order), re-iterable, with a hot key many times the budget.
 */
public class SortedGroupByTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  private record Entry(byte[] sortKey, long seq, byte[] value) {}

  private void check(long budget, long seed, int records, int keySpace, int hotEvery) {
    Random random = new Random(seed);
    Map<ByteBuffer, List<Entry>> model = new HashMap<>();
    byte[] hot = "the hot key".getBytes();
    SpillStats stats;
    try (SortedGroupBy groups = new SortedGroupBy(spill.config(budget))) {
      for (int i = 0; i < records; i++) {
        byte[] key = i % hotEvery == 0 ? hot : Keys.key(random, keySpace, 12);
        byte[] sortKey = new byte[random.nextInt(3)];
        random.nextBytes(sortKey);
        byte[] value = Keys.value(random, 40);
        groups.add(key, 0, key.length, sortKey, 0, sortKey.length, value, 0, value.length);
        model
            .computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>())
            .add(new Entry(sortKey, i, value));
      }
      Map<ByteBuffer, Boolean> seen = new HashMap<>();
      try (GroupCursor out = groups.finish()) {
        while (out.next()) {
          ByteBuffer key = Keys.wrap(out.keyArray(), out.keyOffset(), out.keyLength());
          assertNull("key returned twice", seen.put(key, true));
          List<Entry> expected = new ArrayList<>(model.get(key));
          expected.sort(
              Comparator.<Entry, byte[]>comparing(Entry::sortKey, Arrays::compareUnsigned)
                  .thenComparingLong(Entry::seq));
          for (int pass = 0; pass < 2; pass++) {
            ValueCursor values = out.values().cursor();
            for (Entry e : expected) {
              values.next();
              assertArrayEquals(
                  e.value(),
                  Arrays.copyOfRange(
                      values.array(), values.offset(), values.offset() + values.length()));
            }
            assertEquals("no more values", false, values.next());
          }
          assertEquals(expected.size(), out.values().count());
        }
      }
      assertEquals(model.size(), seen.size());
      stats = groups.stats();
    }
    assertThat("spilled", stats.spillCount(), greaterThan(0L));
    assertThat("peak within budget", budget + 1, greaterThan(stats.peakMemoryBytes()));
  }

  @Test
  public void manyKeysAndAHotKeyLargerThanTheBudget() {
    check(128 << 10, 1, 60_000, 5_000, 3);
  }

  @Test
  public void tiesKeepInputOrderAtTheSmallestBudgets() {
    check(64 << 10, 2, 30_000, 50, 1_000_000);
  }
}
