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

/** ExternalMerger against an in-memory model, with budgets small enough to force every path. */
public class ExternalMergerTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  private static final LongSum SUM = new LongSum();

  /** Runs {@code records} random records through a merger and checks every key's sum. */
  private SpillStats checkSums(
      SpillConfig config, long seed, int records, int keySpace, int maxKeyLength) {
    return checkSums(SUM, LongSum.CODEC, config, seed, records, keySpace, maxKeyLength, 1000);
  }

  /** As above, for any long-sum aggregator and codec, with values in ±{@code valueRange / 2}. */
  private SpillStats checkSums(
      Aggregator<Long, long[]> sum,
      ValueCodec<long[]> codec,
      SpillConfig config,
      long seed,
      int records,
      int keySpace,
      int maxKeyLength,
      int valueRange) {
    Random random = new Random(seed);
    Map<ByteBuffer, Long> model = new HashMap<>();
    try (ExternalMerger<Long, long[]> merger = new ExternalMerger<>(sum, codec, config)) {
      for (int i = 0; i < records; i++) {
        byte[] key = Keys.key(random, keySpace, maxKeyLength);
        long value = random.nextInt(valueRange) - valueRange / 2;
        merger.add(key, value);
        model.merge(ByteBuffer.wrap(key), value, Long::sum);
      }
      ModelAssert.assertSameMap(model, sums(merger));
      return merger.stats();
    }
  }

  /** Finishes {@code merger} and returns each key's sum, failing if a key comes twice. */
  private static Map<ByteBuffer, Long> sums(ExternalMerger<Long, long[]> merger) {
    Map<ByteBuffer, Long> out = new HashMap<>();
    try (CombineCursor<long[]> c = merger.finish()) {
      while (c.next()) {
        ByteBuffer k = Keys.wrap(c.keyArray(), c.keyOffset(), c.keyLength());
        assertEquals("key returned twice", null, out.put(k, c.accumulator()[0]));
      }
    }
    return out;
  }

  @Test
  public void inMemoryWhenTheBudgetSuffices() {
    SpillStats stats = checkSums(spill.config(64 << 20), 1, 20_000, 2_000, 16);
    assertEquals(0, stats.spillCount());
  }

  @Test
  public void manySpillsAgainstModelAcrossSeedsAndBudgets() {
    long[] budgets = {96 << 10, 256 << 10, 1 << 20};
    for (int seed = 0; seed < 6; seed++) {
      long budget = budgets[seed % budgets.length];
      SpillStats stats =
          checkSums(
              spill
                  .config(budget)
                  .withCodec(CompressionCodec.values()[seed % CompressionCodec.values().length]),
              seed,
              60_000,
              20_000,
              24);
      assertThat(
          "budget " + budget + " spills",
          stats.spillCount(),
          greaterThan(budget < (512 << 10) ? 3L : 0L));
      assertThat(stats.diskBytesSpilled(), greaterThan(0L));
      assertTrue(
          "peak " + stats.peakMemoryBytes() + " within budget " + budget,
          stats.peakMemoryBytes() <= budget);
    }
  }

  @Test
  public void appendModeWhenTheTableStopsCombining() {
    // Nearly every record a new key: past 200 keys the table is judged and dropped.
    SpillConfig config = spill.config(256 << 10);
    Random random = new Random(21);
    Map<ByteBuffer, Long> model = new HashMap<>();
    try (ExternalMerger<Long, long[]> merger = new ExternalMerger<>(SUM, LongSum.CODEC, config)) {
      for (int i = 0; i < 60_000; i++) {
        byte[] key = Keys.key(random, 200_000, 16);
        long v = random.nextInt(1000);
        if (i % 3 == 0) {
          merger.addAccumulator(key, 0, key.length, new long[] {v});
        } else {
          merger.add(key, v);
        }
        model.merge(ByteBuffer.wrap(key), v, Long::sum);
      }
      assertTrue("switched to the append buffer", merger.appending());
      ModelAssert.assertSameMap(model, sums(merger));
      assertThat(merger.stats().spillCount(), greaterThan(3L));
    }
  }

  @Test
  public void theTableStaysWhileItCombines() {
    SpillConfig config = spill.config(256 << 10);
    try (ExternalMerger<Long, long[]> merger = new ExternalMerger<>(SUM, LongSum.CODEC, config)) {
      for (int i = 0; i < 60_000; i++) {
        merger.add(OrderedBytes.encodeLong(i % 1000), 1L);
      }
      assertEquals(false, merger.appending());
      merger.finish().close();
    }
  }

  /**
   * With a flush set, a full table's entries go to the flush and nothing to disk; the flushed
   * partials and the output combine to the model's sums (each key at most once per flush and once
   * in the output); a table that combines little still flushes rather than appends.
   */
  @Test
  public void aFullTableIsFlushedInsteadOfSpilled() {
    for (int keySpace : new int[] {20_000, 200_000}) {
      SpillConfig config = spill.config(256 << 10);
      Random random = new Random(keySpace);
      Map<ByteBuffer, Long> model = new HashMap<>();
      Map<ByteBuffer, Long> combined = new HashMap<>();
      Map<ByteBuffer, Integer> flushedInThisFlush = new HashMap<>();
      try (ExternalMerger<Long, long[]> merger = new ExternalMerger<>(SUM, LongSum.CODEC, config)) {
        long[] flushes = {0};
        merger.flushWhenFull(
            (key, offset, length, acc) -> {
              ByteBuffer k = Keys.wrap(key, offset, length);
              combined.merge(k, acc[0], Long::sum);
              flushedInThisFlush.merge(k, 1, Integer::sum);
            });
        for (int i = 0; i < 60_000; i++) {
          byte[] key = Keys.key(random, keySpace, 16);
          long value = random.nextInt(1000) - 500;
          merger.add(key, value);
          model.merge(ByteBuffer.wrap(key), value, Long::sum);
          if (merger.stats().flushes() > flushes[0]) {
            flushes[0] = merger.stats().flushes();
            assertTrue(
                "a key flushed twice in one flush",
                flushedInThisFlush.values().stream().allMatch(n -> n == 1));
            flushedInThisFlush.clear();
          }
        }
        assertEquals(false, merger.appending());
        try (CombineCursor<long[]> out = merger.finish()) {
          while (out.next()) {
            combined.merge(
                Keys.wrap(out.keyArray(), out.keyOffset(), out.keyLength()),
                out.accumulator()[0],
                Long::sum);
          }
        }
        ModelAssert.assertSameMap(model, combined);
        SpillStats stats = merger.stats();
        assertThat("key space " + keySpace, stats.flushes(), greaterThan(2L));
        assertEquals("spills while flushing", 0, stats.spillCount());
      }
    }
  }

  /**
   * A flushing merger asked for memory by another consumer of its thread spills (it may not call
   * its flush then: the asker may be the step the flush feeds), and its output still holds the
   * spilled keys.
   */
  @Test
  public void aFlushingMergerSpillsOnDemand() {
    SpillConfig config = spill.config(1 << 20); // one pool for both mergers
    // A first pass finds the most records the flushing merger takes before its first flush.
    int beforeFirstFlush = 0;
    try (ExternalMerger<Long, long[]> probe = new ExternalMerger<>(SUM, LongSum.CODEC, config)) {
      probe.flushWhenFull((key, offset, length, acc) -> {});
      Random random = new Random(3);
      while (probe.stats().flushes() == 0) {
        probe.add(Keys.key(random, 1_000_000, 16), 1L);
        beforeFirstFlush++;
      }
    }
    Map<ByteBuffer, Long> model = new HashMap<>();
    Map<ByteBuffer, Long> combined = new HashMap<>();
    try (ExternalMerger<Long, long[]> flushing = new ExternalMerger<>(SUM, LongSum.CODEC, config)) {
      flushing.flushWhenFull(
          (key, offset, length, acc) ->
              combined.merge(Keys.wrap(key, offset, length), acc[0], Long::sum));
      Random random = new Random(3);
      for (int i = 0; i < beforeFirstFlush - 1; i++) {
        byte[] key = Keys.key(random, 1_000_000, 16);
        flushing.add(key, 1L);
        model.merge(ByteBuffer.wrap(key), 1L, Long::sum);
      }
      assertEquals(0, flushing.stats().flushes());
      // Another consumer of the thread asks for more than is free: the flushing merger must
      // give memory back, by spilling.
      MemoryPool pool = config.pool();
      Object asker = new Object();
      pool.register(asker);
      long wanted = pool.capacity() - pool.used() + (256 << 10);
      pool.acquire(asker, wanted);
      pool.unregister(asker);
      assertEquals("flushes", 0, flushing.stats().flushes());
      assertThat("spills", flushing.stats().spillCount(), greaterThan(0L));
      try (CombineCursor<long[]> out = flushing.finish()) {
        while (out.next()) {
          combined.merge(
              Keys.wrap(out.keyArray(), out.keyOffset(), out.keyLength()),
              out.accumulator()[0],
              Long::sum);
        }
      }
    }
    ModelAssert.assertSameMap(model, combined);
  }

  @Test
  public void recursiveRepartitioningWhenAPartitionDoesNotFit() {
    // Four partitions per level: a partition of many distinct keys cannot be merged in 96 KiB,
    // so it is split again under a new seed, up to 4^6 = 4096 partitions.
    SpillStats stats = checkSums(spill.config(96 << 10).withPartitions(4), 7, 80_000, 40_000, 12);
    assertThat(stats.repartitions(), greaterThan(0L));
  }

  @Test
  public void sortedMergePastTheLastLevelWhenAllHashesCollide() {
    // Every key hashes alike under every seed: repartitioning cannot split anything, so past
    // 4096 partitions the merger must sort, and still never merge different keys.
    SpillConfig config =
        spill.config(96 << 10).withPartitions(64).withHasher((k, off, len, seed) -> 42);
    SpillStats stats = checkSums(config, 3, 30_000, 8_000, 10);
    assertThat(stats.sortedMerges(), greaterThan(0L));
    assertThat(stats.repartitions(), greaterThan(0L));
  }

  @Test
  public void fewHashBitsStillKeepKeysApart() {
    SpillConfig config =
        spill
            .config(128 << 10)
            .withHasher((k, off, len, seed) -> KeyHasher.DEFAULT.hash(k, off, len, seed) & 0x3);
    checkSums(config, 11, 30_000, 5_000, 10);
  }

  @Test
  public void oneHotKeyAndEmptyKeys() {
    Random random = new Random(5);
    Map<ByteBuffer, Long> model = new HashMap<>();
    try (ExternalMerger<Long, long[]> merger =
        new ExternalMerger<>(SUM, LongSum.CODEC, spill.config(96 << 10))) {
      for (int i = 0; i < 50_000; i++) {
        byte[] key = i % 2 == 0 ? new byte[0] : Keys.key(random, 30_000, 8);
        merger.add(key, 1L);
        model.merge(ByteBuffer.wrap(key), 1L, Long::sum);
      }
      Map<ByteBuffer, Long> out = sums(merger);
      ModelAssert.assertSameMap(model, out);
      assertThat(out.get(ByteBuffer.wrap(new byte[0])), greaterThan(25_000L - 1));
      assertThat(merger.stats().spillCount(), greaterThan(0L));
    }
  }

  @Test
  public void emptyInput() {
    try (ExternalMerger<Long, long[]> merger =
            new ExternalMerger<>(SUM, LongSum.CODEC, spill.config(1 << 20));
        CombineCursor<long[]> cursor = merger.finish()) {
      assertEquals(false, cursor.next());
    }
  }

  @Test
  public void partialAccumulatorsFromSeveralMergersCombine() {
    Random random = new Random(9);
    Map<ByteBuffer, Long> model = new HashMap<>();
    try (ExternalMerger<Long, long[]> total =
        new ExternalMerger<>(SUM, LongSum.CODEC, spill.config(128 << 10))) {
      for (int part = 0; part < 3; part++) {
        try (ExternalMerger<Long, long[]> partial =
            new ExternalMerger<>(SUM, LongSum.CODEC, spill.config(128 << 10))) {
          for (int i = 0; i < 20_000; i++) {
            byte[] key = Keys.key(random, 10_000, 10);
            long v = random.nextInt(100);
            partial.add(key, v);
            model.merge(ByteBuffer.wrap(key), v, Long::sum);
          }
          try (CombineCursor<long[]> c = partial.finish()) {
            while (c.next()) {
              total.addAccumulator(c.keyArray(), c.keyOffset(), c.keyLength(), c.accumulator());
            }
          }
        }
      }
      ModelAssert.assertSameMap(model, sums(total));
    }
  }

  /** Sums into a new array at every step, as an aggregator of immutable accumulators does. */
  private static final class FreshSum implements Aggregator<Long, long[]> {
    @Override
    public long[] createAccumulator(Long value) {
      return new long[] {value};
    }

    @Override
    public long[] addInput(long[] acc, Long value) {
      return new long[] {acc[0] + value};
    }

    @Override
    public long[] mergeAccumulators(long[] a, long[] b) {
      return new long[] {a[0] + b[0]};
    }
  }

  /**
   * A long sum as a zig-zag varint: not {@link LongSum#CODEC}, whose bytes LongSum reads itself.
   */
  private static final ValueCodec<long[]> VARINT_SUM =
      new ValueCodec<>() {
        @Override
        public void encode(long[] value, ByteSink out) {
          ZigZag.write(value[0], out);
        }

        @Override
        public long[] decode(byte[] bytes, int offset, int length) {
          return ZigZag.read(bytes, offset, length, new long[1]);
        }
      };

  /**
   * The merge hands spilled accumulators to {@link Aggregator#mergeEncoded} and keeps what it
   * returns: an aggregator that returns a new object at every step gives the model's sums through
   * spills, repartitioning and the sorted merge; so does LongSum under a codec of another encoding,
   * which it never reads (held as longs, it spills the longs).
   */
  @Test
  public void spilledAccumulatorsMergeWhateverTheAggregatorReturnsAndTheCodecWrites() {
    SpillConfig repartitioning = spill.config(96 << 10).withPartitions(4);
    SpillConfig sorting =
        spill.config(96 << 10).withPartitions(64).withHasher((k, off, len, seed) -> 7);
    for (SpillConfig config : List.of(repartitioning, sorting)) {
      SpillStats fresh =
          checkSums(new FreshSum(), LongSum.CODEC, config, 41, 80_000, 30_000, 12, 1_000_000);
      SpillStats varint = checkSums(SUM, VARINT_SUM, config, 42, 80_000, 30_000, 12, 1_000_000);
      assertThat(fresh.repartitions() + fresh.sortedMerges(), greaterThan(0L));
      assertThat(varint.repartitions() + varint.sortedMerges(), greaterThan(0L));
    }
  }

  @Test
  public void growingAccumulatorsAreWeighedAndSpilled() {
    Random random = new Random(13);
    Map<ByteBuffer, List<Long>> model = new HashMap<>();
    try (ExternalMerger<Long, List<Long>> merger =
        new ExternalMerger<>(
            new CollectLongs(), CollectLongs.FIXED_CODEC, spill.config(256 << 10))) {
      for (int i = 0; i < 40_000; i++) {
        byte[] key = Keys.key(random, 300, 6);
        long v = random.nextInt(1_000_000);
        merger.add(key, v);
        model.computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>()).add(v);
      }
      Map<ByteBuffer, List<Long>> out = new HashMap<>();
      try (CombineCursor<List<Long>> c = merger.finish()) {
        while (c.next()) {
          List<Long> values = new ArrayList<>(c.accumulator());
          Collections.sort(values);
          out.put(Keys.wrap(c.keyArray(), c.keyOffset(), c.keyLength()), values);
        }
      }
      model.values().forEach(Collections::sort);
      ModelAssert.assertSameMap(model, out);
      // 40,000 longs do not fit 256 KiB as objects: the weighing must have forced spills.
      assertThat(merger.stats().spillCount(), greaterThan(0L));
    }
  }

  @Test
  public void closingTheOutputEarlyDeletesEverything() {
    Random random = new Random(17);
    ExternalMerger<Long, long[]> merger =
        new ExternalMerger<>(SUM, LongSum.CODEC, spill.config(96 << 10));
    for (int i = 0; i < 40_000; i++) {
      merger.add(Keys.key(random, 20_000, 10), 1L);
    }
    assertThat(merger.stats().spillCount(), greaterThan(0L));
    CombineCursor<long[]> cursor = merger.finish();
    assertTrue(cursor.next());
    assertTrue(cursor.next());
    assertThat(spill.leftovers().size(), greaterThan(0));
    cursor.close();
    assertEquals(List.of(), spill.leftovers());
    merger.close();
  }

  @Test
  public void closingWithoutFinishingDeletesEverything() {
    Random random = new Random(19);
    ExternalMerger<Long, long[]> merger =
        new ExternalMerger<>(SUM, LongSum.CODEC, spill.config(96 << 10));
    for (int i = 0; i < 40_000; i++) {
      merger.add(Keys.key(random, 20_000, 10), 1L);
    }
    merger.close();
    merger.close();
    assertEquals(List.of(), spill.leftovers());
  }

  @Test
  public void lifecycleMisuseFailsClearly() {
    ExternalMerger<Long, long[]> merger =
        new ExternalMerger<>(SUM, LongSum.CODEC, spill.config(1 << 20));
    merger.add(new byte[] {1}, 1L);
    CombineCursor<long[]> cursor = merger.finish();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> merger.add(new byte[] {1}, 1L));
    assertThat(e.getMessage(), containsString("finish() was called"));
    e = assertThrows(IllegalStateException.class, merger::finish);
    assertThat(e.getMessage(), containsString("finish() was called"));
    cursor.close();
    e = assertThrows(IllegalStateException.class, cursor::next);
    assertThat(e.getMessage(), containsString("closed"));
    merger.close();
    e = assertThrows(IllegalStateException.class, () -> merger.add(new byte[] {1}, 1L));
    assertThat(e.getMessage(), containsString("closed"));
  }
}
