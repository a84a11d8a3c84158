package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;

/**
 * Accumulators kept as longs ({@link LongLayout}, two per key here) give every combining path the
 * model's results, exactly as the same aggregator kept as objects does: spills at several budgets
 * and codecs, the append buffer with partial accumulators added, repartitioning, the sorted merge,
 * flushing, and a {@link PartialCombiner}'s sink, which gets the aggregator's own codec.
 */
public class LongLayoutTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  /** Each key's sum and maximum, {@code long[] {sum, max}}. */
  private static class SumAndMax implements Aggregator<Long, long[]> {
    @Override
    public long[] createAccumulator(Long value) {
      return new long[] {value, value};
    }

    @Override
    public long[] addInput(long[] acc, Long value) {
      acc[0] += value;
      acc[1] = Math.max(acc[1], value);
      return acc;
    }

    @Override
    public long[] mergeAccumulators(long[] a, long[] b) {
      a[0] += b[0];
      a[1] = Math.max(a[1], b[1]);
      return a;
    }
  }

  /** The same, held by the engine as two longs per key. */
  private static final class LaidOut extends SumAndMax {
    @Override
    public LongLayout<Long, long[]> longLayout() {
      return new LongLayout<>() {
        @Override
        public int width() {
          return 2;
        }

        @Override
        public void create(Long value, long[] slots, int at) {
          slots[at] = value;
          slots[at + 1] = value;
        }

        @Override
        public void add(long[] slots, int at, Long value) {
          slots[at] += value;
          slots[at + 1] = Math.max(slots[at + 1], value);
        }

        @Override
        public void merge(long[] slots, int at, long[] from, int fromAt) {
          slots[at] += from[fromAt];
          slots[at + 1] = Math.max(slots[at + 1], from[fromAt + 1]);
        }

        @Override
        public void store(long[] accumulator, long[] slots, int at) {
          slots[at] = accumulator[0];
          slots[at + 1] = accumulator[1];
        }

        @Override
        public long[] load(long[] slots, int at) {
          return new long[] {slots[at], slots[at + 1]};
        }
      };
    }
  }

  /** Sum and maximum as two zig-zag varints: an encoding unlike the layout's 16 bytes. */
  private static final ValueCodec<long[]> VARINTS =
      new ValueCodec<>() {
        @Override
        public void encode(long[] value, ByteSink out) {
          ZigZag.write(value[0], out);
          ZigZag.write(value[1], out);
        }

        @Override
        public long[] decode(byte[] bytes, int offset, int length) {
          return ZigZag.read(bytes, offset, length, new long[2]);
        }
      };

  private static final class Run {
    final Map<ByteBuffer, List<Long>> model = new HashMap<>();
    final Map<ByteBuffer, List<Long>> out = new HashMap<>();
    SpillStats stats;
  }

  /**
   * Adds random records (every third as a partial accumulator), then checks each key's sum and
   * maximum against the model.
   */
  private Run run(
      Aggregator<Long, long[]> aggregator,
      SpillConfig config,
      long seed,
      int keySpace,
      int keyLen) {
    Random random = new Random(seed);
    Run run = new Run();
    Map<ByteBuffer, long[]> model = new HashMap<>();
    try (ExternalMerger<Long, long[]> merger = new ExternalMerger<>(aggregator, VARINTS, config)) {
      for (int i = 0; i < 60_000; i++) {
        byte[] key = Keys.key(random, keySpace, keyLen);
        long v = random.nextInt(2_000_000) - 1_000_000;
        if (i % 3 == 0) {
          merger.addAccumulator(key, 0, key.length, new long[] {v, v});
        } else {
          merger.add(key, v);
        }
        model.merge(
            ByteBuffer.wrap(key),
            new long[] {v, v},
            (a, b) -> new long[] {a[0] + b[0], Math.max(a[1], b[1])});
      }
      model.forEach((k, a) -> run.model.put(k, Arrays.asList(a[0], a[1])));
      try (CombineCursor<long[]> c = merger.finish()) {
        while (c.next()) {
          long[] a = c.accumulator();
          assertEquals(
              "key returned twice",
              null,
              run.out.put(
                  Keys.wrap(c.keyArray(), c.keyOffset(), c.keyLength()),
                  Arrays.asList(a[0], a[1])));
        }
      }
      run.stats = merger.stats();
    }
    ModelAssert.assertSameMap(run.model, run.out);
    return run;
  }

  @Test
  public void everyPathGivesTheModelsResultsAsObjectsDo() {
    SpillConfig repartitioning = spill.config(96 << 10).withPartitions(4);
    SpillConfig sorting =
        spill.config(96 << 10).withPartitions(64).withHasher((k, off, len, seed) -> 7);
    long seed = 0;
    for (SpillConfig config :
        List.of(
            spill.config(64 << 20),
            spill.config(256 << 10).withCodec(CompressionCodec.SNAPPY),
            spill.config(1 << 20),
            repartitioning,
            sorting)) {
      for (int keySpace : new int[] {5_000, 200_000}) {
        seed++;
        Run longs = run(new LaidOut(), config, seed, keySpace, 12);
        Run objects = run(new SumAndMax(), config, seed, keySpace, 12);
        assertEquals(objects.out, longs.out);
        if (config == repartitioning) {
          assertThat(longs.stats.repartitions(), greaterThan(0L));
        }
        if (config == sorting) {
          assertThat(longs.stats.sortedMerges(), greaterThan(0L));
        }
      }
    }
  }

  /**
   * Two longs per key beside the index take less memory than an object and its reference: a table
   * of the same budget holds more keys before it must spill.
   */
  @Test
  public void aTableOfLongsHoldsMoreKeysThanOneOfObjects() {
    int longs = keysHeld(new LaidOut());
    int objects = keysHeld(new SumAndMax());
    assertThat(objects, greaterThan(1_000));
    assertThat(longs, greaterThan(objects + objects / 4));
  }

  /** Adds distinct 8-byte keys to a table of a 1 MiB engine until it asks to spill. */
  private int keysHeld(Aggregator<Long, long[]> aggregator) {
    try (EngineResources resources = new EngineResources(spill.config(1 << 20))) {
      CombineTable<Long, long[]> table = new CombineTable<>(aggregator, VARINTS, resources);
      table.reset(1);
      long key = 0;
      while (table.addInput(OrderedBytes.encodeLong(key), 0, 8, key) && !table.overBudget()) {
        key++;
      }
      table.reset(1);
      return (int) key;
    }
  }

  /** A flushing merger hands out accumulators made from the longs; they add up to the model's. */
  @Test
  public void flushedAccumulatorsComeFromTheLongs() {
    Random random = new Random(17);
    Map<ByteBuffer, Long> model = new HashMap<>();
    Map<ByteBuffer, Long> combined = new HashMap<>();
    try (ExternalMerger<Long, long[]> merger =
        new ExternalMerger<>(new LaidOut(), VARINTS, spill.config(256 << 10))) {
      merger.flushWhenFull(
          (key, offset, length, acc) ->
              combined.merge(Keys.wrap(key, offset, length), acc[0], Long::sum));
      for (int i = 0; i < 60_000; i++) {
        byte[] key = Keys.key(random, 20_000, 12);
        long v = random.nextInt(1000);
        merger.add(key, v);
        model.merge(ByteBuffer.wrap(key), v, Long::sum);
      }
      try (CombineCursor<long[]> out = merger.finish()) {
        while (out.next()) {
          combined.merge(
              Keys.wrap(out.keyArray(), out.keyOffset(), out.keyLength()),
              out.accumulator()[0],
              Long::sum);
        }
      }
      assertThat(merger.stats().flushes(), greaterThan(1L));
    }
    ModelAssert.assertSameMap(model, combined);
  }

  /** A partial combiner's sink reads what it gets with the aggregator's codec, not the layout's. */
  @Test
  public void aPartialCombinersSinkGetsTheCodecsEncoding() {
    Random random = new Random(19);
    Map<ByteBuffer, Long> model = new HashMap<>();
    Map<ByteBuffer, Long> combined = new HashMap<>();
    RecordSink sink =
        (k, ko, kl, v, vo, vl) ->
            combined.merge(Keys.wrap(k, ko, kl), VARINTS.decode(v, vo, vl)[0], Long::sum);
    try (PartialCombiner<Long, long[]> partial =
        new PartialCombiner<>(new LaidOut(), VARINTS, spill.config(256 << 10), sink)) {
      for (int i = 0; i < 60_000; i++) {
        byte[] key = Keys.key(random, i < 30_000 ? 2_000 : 1_000_000, 12);
        long v = random.nextInt(1000);
        partial.add(key, 0, key.length, v);
        model.merge(ByteBuffer.wrap(key), v, Long::sum);
      }
      partial.finish();
      assertThat(partial.flushes(), greaterThan(1L));
    }
    ModelAssert.assertSameMap(model, combined);
  }
}
