package dev.spillway.spill;

/**
 * Sums longs: an {@link Aggregator} whose accumulator is a one-element array, added to in place,
 * and its fixed-size {@link #CODEC}. The simplest complete example of the combine contract.
 *
 * <pre>{@code
 * new ExternalMerger<>(new LongSum(), LongSum.CODEC, SpillConfig.withBudget(64 << 20));
 * }</pre>
 */
public final class LongSum implements Aggregator<Long, long[]> {
  /** Eight bytes, big-endian. */
  public static final ValueCodec<long[]> CODEC =
      new ValueCodec<>() {
        @Override
        public void encode(long[] value, ByteSink out) {
          out.writeLong(value[0]);
        }

        @Override
        public long[] decode(byte[] bytes, int offset, int length) {
          return new long[] {decodeSum(bytes, offset, length)};
        }

        @Override
        public int fixedSize() {
          return 8;
        }
      };

  /** Each sum as one long in the engine's table. */
  private static final LongLayout<Long, long[]> LAYOUT =
      new LongCount<>() {
        @Override
        public void create(Long value, long[] slots, int at) {
          slots[at] = value;
        }

        @Override
        public void add(long[] slots, int at, Long value) {
          slots[at] += value;
        }
      };

  @Override
  public long[] createAccumulator(Long value) {
    return new long[] {value};
  }

  @Override
  public long[] addInput(long[] accumulator, Long value) {
    accumulator[0] += value;
    return accumulator;
  }

  @Override
  public long[] mergeAccumulators(long[] first, long[] second) {
    first[0] += second[0];
    return first;
  }

  @Override
  public LongLayout<Long, long[]> longLayout() {
    return LAYOUT;
  }

  private static long decodeSum(byte[] bytes, int offset, int length) {
    if (length != 8) {
      throw new IllegalArgumentException("a long sum is 8 bytes, got " + length);
    }
    return OrderedBytes.getUnsignedLong(bytes, offset);
  }
}
