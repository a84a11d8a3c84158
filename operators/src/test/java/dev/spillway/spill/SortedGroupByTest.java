package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

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
            assertValues(out.values(), expected.stream().map(Entry::value).toList());
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

  /** Splits a key's records into merged windows: sort keys are {@code [start][end]} longs. */
  private static final class Sessions implements GroupSplitter {
    long start;
    long end;

    @Override
    public void begin(byte[] k, int off, int len) {
      assertEquals(16, len);
      start = OrderedBytes.decodeLong(k, off);
      end = OrderedBytes.decodeLong(k, off + 8);
    }

    @Override
    public boolean joins(byte[] k, int off, int len) {
      long s = OrderedBytes.decodeLong(k, off);
      if (s >= end) {
        return false;
      }
      end = Math.max(end, OrderedBytes.decodeLong(k, off + 8));
      return true;
    }
  }

  /**
   * With a splitter, each key's records come out in groups of adjacent sort keys (here windows
   * merged as sessions), in order, each re-iterable, against a model that sorts each key's records
   * and merges their windows; a hot key's one long session holds more values than the budget.
   */
  @Test
  public void aSplitterCutsEachKeysSortedRecordsIntoGroups() {
    long budget = 128 << 10;
    Random random = new Random(3);
    Map<ByteBuffer, List<Entry>> model = new HashMap<>();
    byte[] hot = "the hot key".getBytes();
    try (SortedGroupBy groups = new SortedGroupBy(spill.config(budget))) {
      for (int i = 0; i < 40_000; i++) {
        boolean isHot = i % 3 == 0;
        byte[] key = isHot ? hot : Keys.key(random, 300, 12);
        // Starts either side of 0; the hot key's are dense enough to make one session.
        long start = isHot ? random.nextInt(10_000) : random.nextInt(200_000) - 100_000;
        long end = start + 1 + random.nextInt(isHot ? 100 : 2_000);
        byte[] sortKey =
            ByteBuffer.allocate(16)
                .put(OrderedBytes.encodeLong(start))
                .put(OrderedBytes.encodeLong(end))
                .array();
        byte[] value = Keys.value(random, 40);
        groups.add(key, 0, key.length, sortKey, 0, sortKey.length, value, 0, value.length);
        model
            .computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>())
            .add(new Entry(sortKey, i, value));
      }
      Map<ByteBuffer, List<List<Entry>>> sessions = new HashMap<>();
      model.forEach((key, entries) -> sessions.put(key, modelSessions(entries)));
      Map<ByteBuffer, Integer> next = new HashMap<>();
      Sessions splitter = new Sessions();
      int groupsOut = 0;
      long largest = 0;
      try (GroupCursor out = groups.finish(splitter)) {
        while (out.next()) {
          ByteBuffer key = Keys.wrap(out.keyArray(), out.keyOffset(), out.keyLength());
          int index = next.merge(key, 1, Integer::sum) - 1;
          List<Entry> expected = sessions.get(key).get(index);
          assertEquals(
              "session start",
              OrderedBytes.decodeLong(expected.get(0).sortKey(), 0),
              splitter.start);
          long end = Long.MIN_VALUE;
          for (Entry e : expected) {
            end = Math.max(end, OrderedBytes.decodeLong(e.sortKey(), 8));
          }
          assertEquals("session end", end, splitter.end);
          for (int pass = 0; pass < 2; pass++) {
            assertValues(out.values(), expected.stream().map(Entry::value).toList());
          }
          largest = Math.max(largest, expected.size() * 40L);
          groupsOut++;
        }
      }
      int expectedGroups = 0;
      for (List<List<Entry>> s : sessions.values()) {
        expectedGroups += s.size();
      }
      assertEquals("groups", expectedGroups, groupsOut);
      for (Map.Entry<ByteBuffer, List<List<Entry>>> e : sessions.entrySet()) {
        assertEquals("sessions of a key", (Integer) e.getValue().size(), next.get(e.getKey()));
      }
      assertThat("a session larger than the budget", largest, greaterThan(budget));
      assertThat("keys with several sessions", expectedGroups, greaterThan(model.size()));
    }
  }

  /** A key's entries sorted by sort key (then input order), cut where a window starts a session. */
  private static List<List<Entry>> modelSessions(List<Entry> entries) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(
        Comparator.<Entry, byte[]>comparing(Entry::sortKey, Arrays::compareUnsigned)
            .thenComparingLong(Entry::seq));
    List<List<Entry>> out = new ArrayList<>();
    long end = Long.MIN_VALUE;
    for (Entry e : sorted) {
      long start = OrderedBytes.decodeLong(e.sortKey(), 0);
      if (out.isEmpty() || start >= end) {
        out.add(new ArrayList<>());
        end = Long.MIN_VALUE;
      }
      out.get(out.size() - 1).add(e);
      end = Math.max(end, OrderedBytes.decodeLong(e.sortKey(), 8));
    }
    return out;
  }

  /**
   * {@code sortAgain}: each key's values, read from a first sort, sorted again by their own bytes
   * in a second sort on the first's resources, at the 64 KiB minimum, where two engines' floors do
   * not fit beside the first's output; every value once in its order, the pool empty afterwards.
   */
  @Test
  public void aSecondSortOnTheSameResourcesSortsTheFirstsOutputAgain() {
    Random random = new Random(4);
    Map<ByteBuffer, List<byte[]>> model = new HashMap<>();
    try (SortedGroupBy first = new SortedGroupBy(spill.config(64 << 10))) {
      for (int i = 0; i < 20_000; i++) {
        byte[] key = Keys.key(random, 40, 8);
        byte[] value = Keys.value(random, 30);
        first.add(key, 0, key.length, new byte[0], 0, 0, value, 0, value.length);
        model.computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>()).add(value);
      }
      GroupCursor firstOut = first.finish(); // closed by the first sort if the second fails
      try (SortedGroupBy again = first.sortAgain()) {
        try (GroupCursor out = firstOut) {
          while (out.next()) {
            ValueCursor values = out.values().cursor();
            while (values.next()) {
              again.add(
                  out.keyArray(),
                  out.keyOffset(),
                  out.keyLength(),
                  values.array(),
                  values.offset(),
                  values.length(),
                  values.array(),
                  values.offset(),
                  values.length());
            }
          }
        }
        assertEachKeysValuesSorted(again, model);
      }
      assertThat("both sorts spilled", first.stats().spillCount(), greaterThan(1L));
    }
  }

  /**
   * A second sort started while the pool is full (the first sort's records in memory, every other
   * byte taken by another holder of the same thread): it takes its memory out of the first's floor,
   * which the first's spilled output leaves free, and regroups every record. A second sort started
   * before the first's output waited for the pool, here failing at once ("none of the 2 engines
   * sharing it can release"), and sorted sessions on three DirectRunner threads about one run in
   * six.
   */
  @Test
  public void aSecondSortStartsOnAFullPoolOutOfTheFirstsFloor() {
    SpillConfig config = spill.config(256 << 10);
    MemoryPool pool = config.pool();
    Random random = new Random(8);
    Map<ByteBuffer, List<byte[]>> model = new HashMap<>();
    try (SortedGroupBy first = new SortedGroupBy(config)) {
      while (pool.used() < pool.capacity() * 3 / 4) {
        byte[] key = Keys.key(random, 40, 8);
        byte[] value = Keys.value(random, 30);
        first.add(key, 0, key.length, new byte[0], 0, 0, value, 0, value.length);
        model.computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>()).add(value);
      }
      assertEquals("the first sort has not spilled", 0, first.stats().spillCount());
      MemoryLease rest = new MemoryLease(pool); // closed with the pool's check below
      assertTrue(rest.tryReserve(pool.capacity() - pool.used()));
      assertEquals("the pool is full", pool.capacity(), pool.used());
      try (RecordCursor records = first.finishRecords();
          SortedGroupBy again = first.sortAgain()) {
        while (records.next()) {
          // [key length][key][empty sort key] again, sorted by the value this time.
          int keyLength = Varint.get(records.keyArray(), records.keyOffset());
          again.add(
              records.keyArray(),
              records.keyOffset() + Varint.size(keyLength),
              keyLength,
              records.valueArray(),
              records.valueOffset(),
              records.valueLength(),
              records.valueArray(),
              records.valueOffset(),
              records.valueLength());
        }
        records.close();
        assertEachKeysValuesSorted(again, model);
      }
      rest.close();
    }
    assertEquals(0, pool.used());
  }

  /**
   * A second sort comes after the first's input is finished: see {@link SortedGroupBy#sortAgain}.
   */
  @Test
  public void aSecondSortBeforeTheFirstIsFinishedIsRefused() {
    try (SortedGroupBy first = new SortedGroupBy(spill.config(256 << 10))) {
      IllegalStateException e = assertThrows(IllegalStateException.class, first::sortAgain);
      assertThat(e.getMessage(), containsString("after finishRecords() or finish()"));
    }
  }

  /**
   * Finishes {@code sorted} and asserts that it gives every key of {@code model} once, with the
   * model's values sorted as unsigned bytes.
   */
  private static void assertEachKeysValuesSorted(
      SortedGroupBy sorted, Map<ByteBuffer, List<byte[]>> model) {
    int keys = 0;
    try (GroupCursor out = sorted.finish()) {
      while (out.next()) {
        List<byte[]> expected =
            new ArrayList<>(model.get(Keys.wrap(out.keyArray(), out.keyOffset(), out.keyLength())));
        expected.sort(Arrays::compareUnsigned);
        assertValues(out.values(), expected);
        keys++;
      }
    }
    assertEquals(model.size(), keys);
  }

  /** Asserts that a cursor of {@code values} gives {@code expected}, in order, and nothing more. */
  private static void assertValues(GroupValues values, List<byte[]> expected) {
    ValueCursor cursor = values.cursor();
    for (byte[] e : expected) {
      cursor.next();
      assertArrayEquals(
          e,
          Arrays.copyOfRange(cursor.array(), cursor.offset(), cursor.offset() + cursor.length()));
    }
    assertEquals("no more values", false, cursor.next());
  }
}
