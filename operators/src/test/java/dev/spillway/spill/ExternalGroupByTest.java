package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;

/** ExternalGroupBy against an in-memory model, with budgets small enough to force every path. */
public class ExternalGroupByTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  /** Reads every group; checks each key comes once and its values re-iterate identically. */
  private static Map<ByteBuffer, List<ByteBuffer>> drain(ExternalGroupBy groups) {
    Map<ByteBuffer, List<ByteBuffer>> out = new HashMap<>();
    try (GroupCursor cursor = groups.finish()) {
      while (cursor.next()) {
        ByteBuffer key = Keys.wrap(cursor.keyArray(), cursor.keyOffset(), cursor.keyLength());
        List<ByteBuffer> values = read(cursor.values());
        assertEquals("second iteration", values, read(cursor.values()));
        assertEquals(cursor.values().count(), values.size());
        Collections.sort(values);
        assertEquals("key returned twice", null, out.put(key, values));
      }
    }
    return out;
  }

  private static List<ByteBuffer> read(GroupValues values) {
    List<ByteBuffer> out = new ArrayList<>();
    ValueCursor c = values.cursor();
    while (c.next()) {
      out.add(Keys.wrap(c.array(), c.offset(), c.length()));
    }
    return out;
  }

  private SpillStats check(
      SpillConfig config, long seed, int records, int keySpace, double hotShare) {
    Random random = new Random(seed);
    Map<ByteBuffer, List<ByteBuffer>> model = new HashMap<>();
    byte[] hot = {1, 2, 3};
    try (ExternalGroupBy groups = new ExternalGroupBy(config)) {
      for (int i = 0; i < records; i++) {
        byte[] key = random.nextDouble() < hotShare ? hot : Keys.key(random, keySpace, 20);
        byte[] value = Keys.value(random, 12);
        groups.add(key, value);
        model
            .computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>())
            .add(ByteBuffer.wrap(value));
      }
      model.values().forEach(Collections::sort);
      ModelAssert.assertSameMap(model, drain(groups));
      return groups.stats();
    }
  }

  @Test
  public void inMemoryWhenTheBudgetSuffices() {
    assertEquals(0, check(spill.config(64 << 20), 1, 20_000, 3_000, 0).spillCount());
  }

  @Test
  public void manySpillsAgainstModel() {
    long[] budgets = {128 << 10, 512 << 10};
    for (int seed = 0; seed < 4; seed++) {
      long budget = budgets[seed % 2];
      SpillStats stats =
          check(
              spill
                  .config(budget)
                  .withCodec(CompressionCodec.values()[seed % CompressionCodec.values().length]),
              seed,
              40_000,
              10_000,
              0);
      assertThat(
          "budget " + budget, stats.spillCount(), greaterThan(budget < (256 << 10) ? 3L : 0L));
      assertTrue(stats.peakMemoryBytes() <= budget);
    }
  }

  @Test
  public void aHotKeyLargerThanTheBudgetComesOutWholeAndReiterable() {
    // Half of 60,000 values (about 0.5 MB) on one key, with a 128 KiB budget: its partition is
    // merged sorted and the key's values spill.
    SpillStats stats = check(spill.config(128 << 10), 2, 60_000, 5_000, 0.5);
    assertThat(stats.sortedMerges(), greaterThan(0L));
  }

  @Test
  public void appendModeWithAHotKeyAgainstModel() {
    SpillConfig config = spill.config(128 << 10);
    SpillStats stats = check(config, 12, 60_000, 200_000, 0.3);
    assertThat(stats.sortedMerges(), greaterThan(0L));
    try (ExternalGroupBy groups = new ExternalGroupBy(config)) {
      Random random = new Random(13);
      for (int i = 0; i < 5_000; i++) {
        groups.add(Keys.key(random, 200_000, 20), new byte[3]);
      }
      assertTrue(groups.appending());
      groups.finish().close();
    }
  }

  @Test
  public void collidingHashesNeverMergeKeys() {
    check(spill.config(128 << 10).withHasher((k, off, len, seed) -> 7), 3, 20_000, 4_000, 0);
  }

  @Test
  public void emptyKeysAndValues() {
    try (ExternalGroupBy groups = new ExternalGroupBy(spill.config(128 << 10))) {
      Map<ByteBuffer, List<ByteBuffer>> model = new HashMap<>();
      for (int i = 0; i < 30_000; i++) {
        byte[] key = i % 3 == 0 ? new byte[0] : new byte[] {(byte) (i % 200)};
        byte[] value = i % 5 == 0 ? new byte[0] : new byte[] {(byte) i, (byte) (i >> 8)};
        groups.add(key, value);
        model
            .computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>())
            .add(ByteBuffer.wrap(value));
      }
      model.values().forEach(Collections::sort);
      ModelAssert.assertSameMap(model, drain(groups));
    }
  }

  @Test
  public void emptyInput() {
    try (ExternalGroupBy groups = new ExternalGroupBy(spill.config(1 << 20))) {
      assertEquals(Map.of(), drain(groups));
    }
  }

  @Test
  public void closingTheOutputEarlyDeletesEverything() {
    Random random = new Random(4);
    ExternalGroupBy groups = new ExternalGroupBy(spill.config(128 << 10));
    for (int i = 0; i < 60_000; i++) {
      groups.add(
          random.nextInt(3) == 0 ? new byte[] {9} : Keys.key(random, 5_000, 8),
          Keys.value(random, 10));
    }
    GroupCursor cursor = groups.finish();
    for (int i = 0; i < 100 && cursor.next(); i++) {
      ValueCursor values = cursor.values().cursor();
      values.next(); // abandoned midway
    }
    assertThat(spill.leftovers().size(), greaterThan(0));
    cursor.close();
    assertEquals(List.of(), spill.leftovers());
    groups.close();
  }

  @Test
  public void lifecycleMisuseFailsClearly() {
    ExternalGroupBy groups = new ExternalGroupBy(spill.config(1 << 20));
    groups.finish().close();
    IllegalStateException e = assertThrows(IllegalStateException.class, groups::finish);
    assertThat(e.getMessage(), containsString("closed"));
    ExternalGroupBy other = new ExternalGroupBy(spill.config(1 << 20));
    other.finish();
    e = assertThrows(IllegalStateException.class, () -> other.add(new byte[1], new byte[1]));
    assertThat(e.getMessage(), containsString("finish() was called"));
    e = assertThrows(IllegalStateException.class, other::finish);
    assertThat(e.getMessage(), containsString("only be called once"));
    other.close();
  }

  /**
   * A key's values come out in the order they were added, through spills, the append buffer and the
   * sorted fallback (a hot key larger than the budget).
   */
  @Test
  public void valuesKeepTheirInputOrderThroughEveryPath() {
    Random random = new Random(12);
    Map<ByteBuffer, Integer> last = new HashMap<>();
    try (ExternalGroupBy groups = new ExternalGroupBy(spill.config(96 << 10))) {
      for (int i = 0; i < 80_000; i++) {
        byte[] key = random.nextInt(3) == 0 ? new byte[] {7} : Keys.key(random, 30_000, 8);
        groups.add(key, ByteBuffer.allocate(4).putInt(i).array());
      }
      try (GroupCursor out = groups.finish()) {
        while (out.next()) {
          int previous = -1;
          ValueCursor values = out.values().cursor();
          while (values.next()) {
            int seq = ByteBuffer.wrap(values.array(), values.offset(), 4).getInt();
            assertTrue(seq + " after " + previous, seq > previous);
            previous = seq;
          }
          last.put(Keys.wrap(out.keyArray(), out.keyOffset(), out.keyLength()), previous);
        }
      }
      assertThat(groups.stats().sortedMerges(), greaterThan(0L));
    }
    assertTrue(last.size() > 1_000);
  }
}
