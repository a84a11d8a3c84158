package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.Rule;
import org.junit.Test;

/** ExternalSorter against a plain sort, with budgets small enough to force merge rounds. */
public class ExternalSorterTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

  /** Sorts random records; checks the output's keys are the model's, sorted, with their values. */
  private SpillStats check(SpillConfig config, long seed, int records, int maxKeyLength) {
    return check(config, seed, records, random -> Keys.key(random, records, maxKeyLength));
  }

  /** As above, with each key drawn by {@code keys}. */
  private SpillStats check(
      SpillConfig config, long seed, int records, Function<Random, byte[]> keys) {
    Random random = new Random(seed);
    List<byte[][]> model = new ArrayList<>();
    try (ExternalSorter sorter = new ExternalSorter(config)) {
      for (int i = 0; i < records; i++) {
        byte[] key = keys.apply(random);
        byte[] value = ByteBuffer.allocate(4).putInt(i).array();
        sorter.add(key, value);
        model.add(new byte[][] {key, value});
      }
      model.sort((a, b) -> UNSIGNED.compare(a[0], b[0]));
      List<byte[][]> out = new ArrayList<>();
      try (RecordCursor cursor = sorter.finish()) {
        while (cursor.next()) {
          out.add(
              new byte[][] {
                Arrays.copyOfRange(
                    cursor.keyArray(), cursor.keyOffset(), cursor.keyOffset() + cursor.keyLength()),
                Arrays.copyOfRange(
                    cursor.valueArray(),
                    cursor.valueOffset(),
                    cursor.valueOffset() + cursor.valueLength())
              });
        }
      }
      assertEquals(model.size(), out.size());
      for (int i = 0; i < out.size(); i++) {
        assertTrue("key order at " + i, Arrays.equals(model.get(i)[0], out.get(i)[0]));
      }
      // Equal keys may come in any order: compare the (key, value) multisets.
      Comparator<byte[][]> byBoth =
          (a, b) -> {
            int c = UNSIGNED.compare(a[0], b[0]);
            return c != 0 ? c : UNSIGNED.compare(a[1], b[1]);
          };
      model.sort(byBoth);
      out.sort(byBoth);
      for (int i = 0; i < out.size(); i++) {
        assertTrue("record " + i, Arrays.equals(model.get(i)[1], out.get(i)[1]));
      }
      return sorter.stats();
    }
  }

  @Test
  public void inMemory() {
    assertEquals(0, check(spill.config(64 << 20), 1, 20_000, 20).spillCount());
  }

  @Test
  public void manyRunsAcrossSeedsAndCodecs() {
    for (int seed = 0; seed < 4; seed++) {
      SpillStats stats =
          check(
              spill
                  .config(128 << 10)
                  .withCodec(CompressionCodec.values()[seed % CompressionCodec.values().length]),
              seed,
              50_000,
              24);
      assertThat(stats.spillCount(), greaterThan(5L));
    }
  }

  /**
   * Keys whose bytes come from three values, so that many agree on their first bytes and differ in
   * any later one, the last of their eight-byte prefix included: a run is sorted by its first byte
   * and then every other byte of the prefix, and each must order it.
   */
  @Test
  public void keysThatDifferInAnyByteOfTheirPrefix() {
    byte[] alphabet = {0, 0x7F, (byte) 0xFF};
    for (long budget : new long[] {96 << 10, 4 << 20}) {
      SpillStats stats =
          check(
              spill.config(budget),
              11,
              80_000,
              random -> {
                byte[] key = new byte[random.nextInt(11)];
                for (int i = 0; i < key.length; i++) {
                  key[i] = alphabet[random.nextInt(alphabet.length)];
                }
                return key;
              });
      assertThat(stats.spillCount(), greaterThan(0L));
    }
  }

  @Test
  public void mergeRoundsWhenRunsExceedTheFanIn() {
    SpillStats stats = check(spill.config(96 << 10).withMaxFanIn(3), 5, 60_000, 16);
    assertThat(stats.mergeRounds(), greaterThan(0L));
  }

  /**
   * Merge rounds rewrite each record about log<sub>fanIn</sub>(runs) times. Merging the oldest runs
   * into one and starting over rewrote that first run in every round, quadratic in the runs: here
   * it wrote 182 MB where the passes write 18 MB, and the sort job at 256 KiB wrote 65 GiB for an
   * output of 161 MB.
   */
  @Test
  public void mergeRoundsRewriteEachRecordAboutLogFanInTimes() {
    int records = 200_000;
    SpillStats stats =
        check(
            spill.config(96 << 10).withMaxFanIn(3).withCodec(CompressionCodec.NONE),
            13,
            records,
            16);
    long runs = stats.spillCount();
    assertThat("enough runs for several passes", runs, greaterThan(50L));
    // A record in a run: its key (at most 16 bytes), its 4-byte value and two length bytes.
    long inputBytes = records * (16L + 4 + 2);
    int passes = (int) Math.ceil(Math.log(runs) / Math.log(3));
    assertThat(
        "bytes written: the runs once, then one pass each",
        stats.diskBytesSpilled(),
        lessThanOrEqualTo(inputBytes * (1 + passes)));
  }

  /** Equal keys come out in the order they were added, across runs and merge rounds. */
  @Test
  public void equalKeysKeepTheirInputOrderAcrossRunsAndMergeRounds() {
    Random random = new Random(9);
    try (ExternalSorter sorter = new ExternalSorter(spill.config(96 << 10).withMaxFanIn(3))) {
      for (int i = 0; i < 60_000; i++) {
        sorter.add(new byte[] {(byte) random.nextInt(7)}, ByteBuffer.allocate(4).putInt(i).array());
      }
      try (RecordCursor sorted = sorter.finish()) {
        int lastKey = -1;
        int lastSeq = -1;
        int n = 0;
        while (sorted.next()) {
          int key = sorted.keyArray()[sorted.keyOffset()];
          int seq = ByteBuffer.wrap(sorted.valueArray(), sorted.valueOffset(), 4).getInt();
          if (key == lastKey) {
            assertTrue("key " + key + ": " + seq + " after " + lastSeq, seq > lastSeq);
          } else {
            assertTrue(key > lastKey);
          }
          lastKey = key;
          lastSeq = seq;
          n++;
        }
        assertEquals(60_000, n);
      }
      assertThat(sorter.stats().mergeRounds(), greaterThan(0L));
    }
  }

  /**
   * However large the budget, an in-memory run takes at most 64 MiB and fuller ones are spilled: a
   * radix sort of one 644 MiB run took twice as long as sorting and merging 64 MiB runs. The output
   * is still every record, sorted.
   */
  @Test
  public void runsTakeAtMost64MiBWhateverTheBudget() {
    int records = 3_000_000;
    Random random = new Random(7);
    long keySum = 0;
    long valueSum = 0;
    try (ExternalSorter sorter = new ExternalSorter(spill.config(1L << 30))) {
      byte[] key = new byte[8];
      byte[] value = new byte[4];
      for (int i = 0; i < records; i++) {
        long k = random.nextLong();
        OrderedBytes.putUnsignedLong(k, key, 0);
        ByteBuffer.wrap(value).putInt(i);
        sorter.add(key, value);
        keySum += k;
        valueSum += i;
      }
      assertThat(
          "records of 12 bytes and 32 of arrays, 64 MiB a run",
          sorter.stats().spillCount(),
          greaterThan(1L));
      long previous = 0;
      int count = 0;
      try (RecordCursor out = sorter.finish()) {
        while (out.next()) {
          long k = OrderedBytes.getUnsignedLong(out.keyArray(), out.keyOffset());
          assertTrue("sorted at " + count, count == 0 || Long.compareUnsigned(previous, k) <= 0);
          previous = k;
          keySum -= k;
          valueSum -= ByteBuffer.wrap(out.valueArray(), out.valueOffset(), 4).getInt();
          count++;
        }
      }
      assertEquals(records, count);
      assertEquals(0, keySum);
      assertEquals(0, valueSum);
    }
  }

  @Test
  public void signedLongsSortNumerically() {
    Random random = new Random(6);
    long[] model = new long[30_000];
    try (ExternalSorter sorter = new ExternalSorter(spill.config(96 << 10))) {
      for (int i = 0; i < model.length; i++) {
        model[i] = i % 10 == 0 ? Long.MIN_VALUE + i : random.nextLong();
        sorter.add(OrderedBytes.encodeLong(model[i]), new byte[0]);
      }
      Arrays.sort(model);
      try (RecordCursor cursor = sorter.finish()) {
        for (long expected : model) {
          assertTrue(cursor.next());
          assertEquals(8, cursor.keyLength());
          assertEquals(expected, OrderedBytes.decodeLong(cursor.keyArray(), cursor.keyOffset()));
        }
        assertEquals(false, cursor.next());
      }
    }
  }

  /**
   * Runs are written through a staging copy of up to 64 records of at most 256 bytes each, larger
   * records going straight from their pages: records of every size around that limit, many with
   * equal keys, come out in the model's stable order, bytes intact, through many runs.
   */
  @Test
  public void recordsOfEverySizeAroundTheStagingLimitKeepOrderAndBytes() {
    Random random = new Random(19);
    List<byte[][]> model = new ArrayList<>();
    try (ExternalSorter sorter = new ExternalSorter(spill.config(256 << 10))) {
      for (int i = 0; i < 20_000; i++) {
        byte[] key = Keys.key(random, 500, 40);
        int size = random.nextInt(8) == 0 ? 700 : 40;
        if (random.nextInt(200) == 0) {
          size = 17_000; // larger than the whole staging array
        }
        byte[] value = new byte[4 + random.nextInt(size)];
        random.nextBytes(value);
        ByteBuffer.wrap(value).putInt(i);
        sorter.add(key, value);
        model.add(new byte[][] {key, value});
      }
      model.sort((a, b) -> UNSIGNED.compare(a[0], b[0])); // stable: equal keys in input order
      try (RecordCursor cursor = sorter.finish()) {
        for (int i = 0; i < model.size(); i++) {
          assertTrue(cursor.next());
          byte[] key =
              Arrays.copyOfRange(
                  cursor.keyArray(), cursor.keyOffset(), cursor.keyOffset() + cursor.keyLength());
          byte[] value =
              Arrays.copyOfRange(
                  cursor.valueArray(),
                  cursor.valueOffset(),
                  cursor.valueOffset() + cursor.valueLength());
          assertTrue("key at " + i, Arrays.equals(model.get(i)[0], key));
          assertTrue("value at " + i, Arrays.equals(model.get(i)[1], value));
        }
        assertFalse(cursor.next());
      }
      assertThat(sorter.stats().spillCount(), greaterThan(10L));
    }
  }

  @Test
  public void largeValuesGetBlocksOfTheirOwn() {
    Random random = new Random(8);
    try (ExternalSorter sorter = new ExternalSorter(spill.config(256 << 10))) {
      List<byte[]> model = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        byte[] v = new byte[5_000 + random.nextInt(20_000)];
        random.nextBytes(v);
        sorter.add(OrderedBytes.encodeLong(i), v);
        model.add(v);
      }
      try (RecordCursor cursor = sorter.finish()) {
        for (byte[] v : model) {
          assertTrue(cursor.next());
          assertTrue(
              Arrays.equals(
                  v,
                  Arrays.copyOfRange(
                      cursor.valueArray(),
                      cursor.valueOffset(),
                      cursor.valueOffset() + cursor.valueLength())));
        }
      }
    }
  }

  @Test
  public void closingEarlyDeletesEverything() {
    Random random = new Random(9);
    ExternalSorter sorter = new ExternalSorter(spill.config(96 << 10));
    for (int i = 0; i < 30_000; i++) {
      sorter.add(Keys.key(random, 30_000, 12), new byte[4]);
    }
    RecordCursor cursor = sorter.finish();
    cursor.next();
    assertThat(spill.leftovers().size(), greaterThan(0));
    cursor.close();
    assertEquals(List.of(), spill.leftovers());
  }
}
