package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
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
    byte[] hot = {1, 2, 3};
    return check(
        config,
        seed,
        records,
        random -> random.nextDouble() < hotShare ? hot : Keys.key(random, keySpace, 20),
        12);
  }

  /**
   * Groups {@code records} pairs, each a key drawn by {@code keys} and a value of up to {@code
   * valueBytes} bytes, and checks the groups against a model; returns the engine's statistics.
   */
  private SpillStats check(
      SpillConfig config, long seed, int records, Function<Random, byte[]> keys, int valueBytes) {
    Random random = new Random(seed);
    Map<ByteBuffer, List<ByteBuffer>> model = new HashMap<>();
    try (ExternalGroupBy groups = new ExternalGroupBy(config)) {
      for (int i = 0; i < records; i++) {
        byte[] key = keys.apply(random);
        byte[] value = Keys.value(random, valueBytes);
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
    // Half of 60,000 values (about 0.5 MB) on one key, with a 128 KiB budget: the key's values are
    // gathered apart, spilling, and the rest of its partition loads into the table.
    SpillStats stats = check(spill.config(128 << 10), 2, 60_000, 5_000, 0.5);
    assertThat(stats.hotKeys(), greaterThan(0L));
    assertEquals(0, stats.sortedMerges());
  }

  @Test
  public void appendModeWithAHotKeyAgainstModel() {
    SpillConfig config = spill.config(128 << 10);
    SpillStats stats = check(config, 12, 60_000, 200_000, 0.3);
    assertThat(stats.hotKeys(), greaterThan(0L));
    try (ExternalGroupBy groups = new ExternalGroupBy(config)) {
      Random random = new Random(13);
      for (int i = 0; i < 5_000; i++) {
        groups.add(Keys.key(random, 200_000, 20), new byte[3]);
      }
      assertTrue(groups.appending());
      groups.finish().close();
    }
  }

  /**
   * A table of a million keys with a value or two each is not kept just because the budget holds
   * it: it is judged once its records take 32 MiB and gives way to the append buffer (a fill of the
   * whole input took 5.9 s where spilling and grouping partition by partition took 1.9 s), and
   * every key still comes out with all its values.
   */
  @Test
  public void aTableThatGroupsTooLittleGivesWayAt32MiBWhateverTheBudget() {
    int keys = 1_500_000;
    try (ExternalGroupBy groups = new ExternalGroupBy(spill.config(1L << 30))) {
      byte[] key = new byte[8];
      byte[] value = new byte[2];
      long added = 0;
      for (int round = 0; round < 2; round++) {
        for (int k = 0; k < keys; k += round + 1) {
          OrderedBytes.putUnsignedLong(k, key, 0);
          value[1] = (byte) round;
          groups.add(key, value);
          added++;
        }
      }
      assertTrue("switched to the append buffer", groups.appending());
      long values = 0;
      long keysOut = 0;
      try (GroupCursor out = groups.finish()) {
        while (out.next()) {
          keysOut++;
          long k = OrderedBytes.getUnsignedLong(out.keyArray(), out.keyOffset());
          long expected = k % 2 == 0 ? 2 : 1;
          assertEquals("values of key " + k, expected, out.values().count());
          values += out.values().count();
        }
      }
      assertEquals(keys, keysOut);
      assertEquals(added, values);
      assertThat(groups.stats().spillCount(), greaterThan(0L));
    }
  }

  /** Hashes two hot keys into partition 0 under distinct hashes, a third key onto the first's. */
  private static final KeyHasher TWO_HOT_KEYS_AND_A_TWIN =
      (k, off, len, seed) -> {
        if (len == 3 && k[off] == 1) {
          return 0x10; // {1, 2, 3}
        }
        if (len == 3 && k[off] == 4) {
          return 0x20; // {4, 5, 6}
        }
        if (len == 1 && k[off] == 8) {
          return 0x10; // {8}: the first hot key's hash, not its bytes
        }
        return KeyHasher.DEFAULT.hash(k, off, len, seed);
      };

  /**
   * Two hot keys of one partition, each with more values than the budget, are both gathered apart;
   * a key sharing the first one's hash stays a key of its own; every value comes out, in input
   * order, and each group re-iterates. Closing the output while a hot key's spilled values are
   * being read deletes every file.
   */
  @Test
  public void twoHotKeysOfOnePartitionAreGatheredApart() {
    SpillConfig config = spill.config(128 << 10).withHasher(TWO_HOT_KEYS_AND_A_TWIN);
    byte[][] special = {{1, 2, 3}, {4, 5, 6}, {8}};
    Random random = new Random(31);
    Map<ByteBuffer, List<ByteBuffer>> model = new HashMap<>();
    try (ExternalGroupBy groups = new ExternalGroupBy(config)) {
      for (int i = 0; i < 90_000; i++) {
        int pick = random.nextInt(10);
        byte[] key =
            pick < 3
                ? special[0]
                : pick < 6 ? special[1] : OrderedBytes.encodeLong(random.nextInt(20_000));
        if (i == 0) {
          key = special[0]; // met before its twin, so it claims the hash
        } else if (i % 97 == 0) {
          key = special[2];
        }
        byte[] value = ByteBuffer.allocate(4).putInt(i).array();
        groups.add(key, value);
        model
            .computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>())
            .add(ByteBuffer.wrap(value));
      }
      // Values kept in input order: the model's lists are in input order, and so must the output
      // be.
      Map<ByteBuffer, List<ByteBuffer>> out = new HashMap<>();
      try (GroupCursor cursor = groups.finish()) {
        while (cursor.next()) {
          List<ByteBuffer> values = read(cursor.values());
          assertEquals("second iteration", values, read(cursor.values()));
          assertEquals(values.size(), cursor.values().count());
          out.put(Keys.wrap(cursor.keyArray(), cursor.keyOffset(), cursor.keyLength()), values);
        }
      }
      ModelAssert.assertSameMap(model, out);
      assertEquals(2, groups.stats().hotKeys());
      assertEquals(0, groups.stats().sortedMerges());
    }
    try (ExternalGroupBy groups = new ExternalGroupBy(config)) {
      for (int i = 0; i < 90_000; i++) {
        groups.add(
            i % 2 == 0 ? special[0] : OrderedBytes.encodeLong(random.nextInt(20_000)), new byte[8]);
      }
      GroupCursor cursor = groups.finish();
      while (cursor.next()) {
        if (Keys.wrap(cursor.keyArray(), cursor.keyOffset(), cursor.keyLength())
            .equals(ByteBuffer.wrap(special[0]))) {
          ValueCursor values = cursor.values().cursor();
          assertTrue(values.next()); // reading the hot key's first spilled segment
          break;
        }
      }
      assertThat(spill.leftovers().size(), greaterThan(0));
      cursor.close();
      assertEquals(List.of(), spill.leftovers());
    }
  }

  /**
   * When every key shares one hash, the sample calls that hash hot, but the rest of the partition
   * still does not fit: the hot key's values are dropped and the partition merged sorted.
   */
  @Test
  public void aPartitionTooBigBesidesItsHotKeyIsMergedSorted() {
    SpillStats stats =
        check(spill.config(96 << 10).withHasher((k, off, len, seed) -> 7), 5, 40_000, 8_000, 0.3);
    assertEquals(0, stats.hotKeys());
    assertThat(stats.sortedMerges(), greaterThan(0L));
  }

  @Test
  public void collidingHashesNeverMergeKeys() {
    check(spill.config(128 << 10).withHasher((k, off, len, seed) -> 7), 3, 20_000, 4_000, 0);
  }

  /**
   * 256 hashes for 6,000 keys, spread over the partitions: every partition fits and is grouped in
   * hash order, where each run of equal hashes interleaves the values of some 20 keys.
   */
  private static final KeyHasher FEW_HASHES =
      (k, off, len, seed) -> KeyHasher.DEFAULT.hash(k, off, len, seed) & 0xFF000000;

  @Test
  public void collidingHashesInPartitionsThatFitNeverMergeKeys() {
    SpillStats stats = check(spill.config(1 << 20).withHasher(FEW_HASHES), 8, 60_000, 6_000, 0);
    assertThat(stats.spillCount(), greaterThan(1L));
    assertEquals(0, stats.sortedMerges());
  }

  /**
   * Keys that agree on their first 15 bytes, or differ only in length with zeros, under 256 hashes:
   * the hash-ordered load tells keys of equal hashes apart by their lengths and bytes, so every key
   * must still come out alone.
   */
  @Test
  public void keysSharingTheirFirstBytesInPartitionsThatFitNeverMerge() {
    int[] lengths = {0, 1, 7, 8, 9, 15, 16, 17, 24};
    SpillStats stats =
        check(
            spill.config(1 << 20).withHasher(FEW_HASHES),
            12,
            60_000,
            random -> {
              int length = lengths[random.nextInt(lengths.length)];
              byte[] key = new byte[length];
              int variant = random.nextInt(700);
              if (length > 0) {
                key[length - 1] = (byte) variant; // zeros before: heads of keys this long agree
              }
              if (length > 1) {
                key[length - 2] = (byte) (variant >> 8);
              }
              return key;
            },
            6);
    assertThat(stats.spillCount(), greaterThan(1L));
    assertEquals(0, stats.sortedMerges());
  }

  /**
   * Keys and values larger than the 4 KiB chunks a hash-ordered load appends to, beside small ones:
   * each large entry takes a chunk of its own, and every group must come out whole.
   */
  @Test
  public void keysAndValuesLargerThanALoadsChunksInPartitionsThatFit() {
    SpillStats stats =
        check(
            spill.config(8 << 20),
            13,
            6_000,
            random -> {
              byte[] key = Keys.key(random, 400, 12);
              if (random.nextInt(8) == 0) {
                key = Arrays.copyOf(key, 4_000 + random.nextInt(3_000)); // zeros after: still 400
              }
              return key;
            },
            12_000);
    assertThat(stats.spillCount(), greaterThan(1L));
    assertEquals(0, stats.sortedMerges());
  }

  /**
   * A key with a fifth of every partition's values, too few to be sampled as hot: the partition is
   * judged to fit a hash-ordered load by its average bucket, but the key's bucket needs more arrays
   * than that, and at some of these budgets the pool refuses them. The load then gives its memory
   * back and the partition is merged another way; every group must still come out whole.
   */
  @Test
  public void aLoadRefusedMemoryHalfwayGivesWayToAnotherMerge() {
    byte[] warm = {7, 7, 7};
    for (long budget = 1 << 20; budget <= 4 << 20; budget += budget / 10) {
      check(
          spill.config(budget).withPartitions(2),
          14,
          300_000,
          random -> random.nextInt(5) == 0 ? warm : Keys.key(random, 3_000, 10),
          8);
    }
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
   * A key's values come out in the order they were added, through spills, the append buffer, a hot
   * key gathered apart and the sorted fallback (a partition too big even without its hot key).
   */
  @Test
  public void valuesKeepTheirInputOrderThroughEveryPath() {
    SpillConfig hotKeyApart = spill.config(96 << 10);
    SpillConfig sorted = spill.config(96 << 10).withHasher((k, off, len, seed) -> 7);
    SpillConfig hashOrdered = spill.config(1 << 20).withHasher(FEW_HASHES);
    for (SpillConfig config : List.of(hotKeyApart, sorted, hashOrdered)) {
      Random random = new Random(12);
      Map<ByteBuffer, Integer> last = new HashMap<>();
      try (ExternalGroupBy groups = new ExternalGroupBy(config)) {
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
        SpillStats stats = groups.stats();
        if (config == hashOrdered) {
          assertEquals(0, stats.sortedMerges()); // all but the hot key's partition fit
        } else {
          assertThat(config == sorted ? stats.sortedMerges() : stats.hotKeys(), greaterThan(0L));
        }
      }
      assertTrue(last.size() > 1_000);
    }
  }
}
