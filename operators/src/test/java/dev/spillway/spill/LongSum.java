package dev.spillway.spill;

/** Sum of longs with a one-element array accumulator: the tests' aggregator. */
final class LongSum implements Aggregator<Long, long[]> {
  static final ValueCodec<long[]> CODEC = new ValueCodec<>() {
    @Override
    public void encode(long[] value, ByteSink out) {
      out.writeLong(value[0]);
    }

    @Override
    public long[] decode(byte[] bytes, int offset, int length) {
      if (length != 8) {
        throw new IllegalArgumentException("a sum is 8 bytes, got " + length);
      }
      return new long[] {OrderedBytes.getUnsignedLong(bytes, offset)};
    }

    @Override
    public int fixedSize() {
      return 8;
    }
  };

  @Override
  public long[] createAccumulator(Long value) {
    return new long[] {value};
  }

  @Override
  public long[] addInput(long[] acc, Long value) {
    acc[0] += value;
    return acc;
  }

  @Override
  public long[] mergeAccumulators(long[] a, long[] b) {
    a[0] += b[0];
    return a;
  }
}
