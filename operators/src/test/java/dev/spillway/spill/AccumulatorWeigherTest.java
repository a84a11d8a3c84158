package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;

/** Accumulators weighed by what making them allocates, not only by their encoding. */
public class AccumulatorWeigherTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  @Test
  public void aSampleScalesTheEncodedSize() {
    long[] allocated = {0};
    AccumulatorWeigher weigher = new AccumulatorWeigher(() -> allocated[0]);
    assertEquals("before any sample: the encoded size", 24 + 16, weigher.weight(16));
    long before = weigher.beforeMaking();
    allocated[0] += 400; // an accumulator of 400 heap bytes, 16 encoded
    weigher.made(before, 16);
    assertEquals(400, weigher.weight(16));
    for (int i = 1; i < AccumulatorWeigher.SAMPLE_EVERY; i++) {
      assertEquals("not sampled", -1, weigher.beforeMaking());
    }
    before = weigher.beforeMaking();
    allocated[0] += 1_000_000; // a stray burst: the ratio moves a quarter of the way, bounded
    weigher.made(before, 16);
    assertEquals(
        (int) Math.ceil(40 * Math.min(AccumulatorWeigher.MAX_RATIO, 0.75 * 10 + 0.25 * 25_000)),
        weigher.weight(16));
  }

  @Test
  public void neverBelowTheEncodedSize() {
    long[] allocated = {0};
    AccumulatorWeigher weigher = new AccumulatorWeigher(() -> allocated[0]);
    weigher.made(weigher.beforeMaking(), 100); // made without allocating (a cached object)
    assertEquals(124, weigher.weight(100));
  }

  /** An accumulator of 8 encoded bytes that holds about 4 KB of heap. */
  private static final class Heavy {
    long sum;
    final long[] padding = new long[512];
  }

  private static final ValueCodec<Heavy> HEAVY_CODEC =
      new ValueCodec<>() {
        @Override
        public void encode(Heavy value, ByteSink out) {
          out.writeLong(value.sum);
        }

        @Override
        public Heavy decode(byte[] bytes, int offset, int length) {
          Heavy h = new Heavy();
          h.sum = OrderedBytes.getUnsignedLong(bytes, offset);
          return h;
        }
      };

  private static final Aggregator<Long, Heavy> HEAVY_SUM =
      new Aggregator<>() {
        @Override
        public Heavy createAccumulator(Long value) {
          Heavy h = new Heavy();
          h.sum = value;
          return h;
        }

        @Override
        public Heavy addInput(Heavy acc, Long value) {
          acc.sum += value;
          return acc;
        }

        @Override
        public Heavy mergeAccumulators(Heavy a, Heavy b) {
          a.sum += b.sum;
          return a;
        }
      };

  /**
   * 1,000 keys of a hundred values each (a table that pays, never given up for the append buffer):
   * their accumulators take about 4 MB of heap, 32 KB by their encoding. Under a 1 MiB budget the
   * merger must spill, and every sum still comes out right.
   */
  @Test
  public void aMergerSpillsForAccumulatorsLargerThanTheirEncoding() {
    Map<Long, Long> model = new HashMap<>();
    try (ExternalMerger<Long, Heavy> merger =
        new ExternalMerger<>(HEAVY_SUM, HEAVY_CODEC, spill.config(1 << 20))) {
      byte[] key = new byte[8];
      for (long i = 0; i < 100_000; i++) {
        long k = i % 1_000;
        OrderedBytes.putUnsignedLong(k, key, 0);
        merger.add(key, i);
        model.merge(k, i, Long::sum);
      }
      assertThat(
          "spilled for the accumulators' heap", merger.stats().spillCount(), greaterThan(0L));
      Map<Long, Long> out = new HashMap<>();
      try (CombineCursor<Heavy> cursor = merger.finish()) {
        while (cursor.next()) {
          out.put(
              OrderedBytes.getUnsignedLong(cursor.keyArray(), cursor.keyOffset()),
              cursor.accumulator().sum);
        }
      }
      assertEquals(model, out);
    }
  }
}
