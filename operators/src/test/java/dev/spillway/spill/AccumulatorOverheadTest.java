package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;

/** Accumulators weighed with what an empty one costs on the heap, not only by their encoding. */
public class AccumulatorOverheadTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  /** An accumulator of 8 encoded bytes that holds about 4 KB of heap from the start. */
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
        public Heavy emptyAccumulator() {
          return new Heavy();
        }

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

  @Test
  public void theOverheadIsWhatAnEmptyOneAllocatesBeyondItsEncoding() {
    long[] allocated = {0};
    Map<Class<?>, Integer> byClass = new HashMap<>();
    Aggregator<Long, Heavy> counted =
        new Aggregator<>() {
          @Override
          public Heavy emptyAccumulator() {
            allocated[0] += 4_000;
            return new Heavy();
          }

          @Override
          public Heavy createAccumulator(Long value) {
            return null;
          }

          @Override
          public Heavy addInput(Heavy acc, Long value) {
            return acc;
          }

          @Override
          public Heavy mergeAccumulators(Heavy a, Heavy b) {
            return a;
          }
        };
    assertEquals(
        4_000 - 8, AccumulatorOverhead.of(counted, HEAVY_CODEC, () -> allocated[0], byClass));
    // Measured once per class: the same for every table after, whatever it would measure.
    allocated[0] += 1_000_000;
    assertEquals(
        4_000 - 8, AccumulatorOverhead.of(counted, HEAVY_CODEC, () -> allocated[0], byClass));
    assertEquals(
        "no empty accumulator: the least overhead",
        CombineTable.ACCUMULATOR_OVERHEAD,
        AccumulatorOverhead.of(new LongSum(), LongSum.CODEC, () -> allocated[0], byClass));
  }

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
