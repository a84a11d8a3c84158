package dev.spillway.spill;

import java.util.Arrays;

/**
 * Accumulators as a {@link LongLayout}'s longs, {@code width} per entry in one array that grows
 * with the index (counted as its columns): no object per key, nothing to weigh. Spilled as the
 * longs, big-endian.
 */
final class LongAccumulators<V, A> implements AccumulatorColumn<V, A> {
  private final LongLayout<V, A> layout;
  private final int width;
  private final int encodedLength;

  /** One accumulator decoded from a spill, and one being encoded or merged outside the table. */
  private final long[] scratch;

  private final long[] other;
  private long[] slots = new long[0];

  LongAccumulators(LongLayout<V, A> layout) {
    this.layout = layout;
    this.width = layout.width();
    if (width < 1) {
      throw new IllegalArgumentException("a long layout's width must be positive: " + width);
    }
    this.encodedLength = 8 * width;
    this.scratch = new long[width];
    this.other = new long[width];
  }

  @Override
  public long bytesPerEntry() {
    return encodedLength;
  }

  @Override
  public void resize(int capacity) {
    slots = Arrays.copyOf(slots, capacity * width);
  }

  @Override
  public void create(int id, V value) {
    layout.create(value, slots, id * width);
  }

  @Override
  public void add(int id, V value) {
    layout.add(slots, id * width, value);
  }

  @Override
  public void insert(int id, A accumulator) {
    layout.store(accumulator, slots, id * width);
  }

  @Override
  public void merge(int id, A accumulator) {
    layout.store(accumulator, scratch, 0);
    layout.merge(slots, id * width, scratch, 0);
  }

  @Override
  public void insertEncoded(int id, byte[] bytes, int offset, int length) {
    read(bytes, offset, length, slots, id * width);
  }

  @Override
  public void mergeEncoded(int id, byte[] bytes, int offset, int length) {
    read(bytes, offset, length, scratch, 0);
    layout.merge(slots, id * width, scratch, 0);
  }

  @Override
  public A get(int id) {
    return layout.load(slots, id * width);
  }

  @Override
  public void encode(int id, ByteSink out) {
    write(slots, id * width, out);
  }

  @Override
  public void encodeCreated(V value, ByteSink out) {
    layout.create(value, scratch, 0);
    write(scratch, 0, out);
  }

  @Override
  public void encodeAccumulator(A accumulator, ByteSink out) {
    layout.store(accumulator, scratch, 0);
    write(scratch, 0, out);
  }

  @Override
  public A decode(byte[] bytes, int offset, int length) {
    read(bytes, offset, length, scratch, 0);
    return layout.load(scratch, 0);
  }

  @Override
  public A mergeEncoded(A accumulator, byte[] bytes, int offset, int length) {
    layout.store(accumulator, other, 0);
    read(bytes, offset, length, scratch, 0);
    layout.merge(other, 0, scratch, 0);
    return layout.load(other, 0);
  }

  @Override
  public long checkFits(A accumulator) {
    return encodedLength; // a fixed width always fits: the index counted it
  }

  @Override
  public long reservedBytes() {
    return 0;
  }

  @Override
  public boolean overBudget() {
    return false;
  }

  @Override
  public void clear(int size) {}

  private void write(long[] from, int at, ByteSink out) {
    for (int i = 0; i < width; i++) {
      out.writeLong(from[at + i]);
    }
  }

  private void read(byte[] bytes, int offset, int length, long[] into, int at) {
    if (length != encodedLength) {
      throw new IllegalArgumentException(
          "an accumulator of " + width + " longs is " + encodedLength + " bytes, got " + length);
    }
    for (int i = 0; i < width; i++) {
      into[at + i] = OrderedBytes.getUnsignedLong(bytes, offset + 8 * i);
    }
  }
}
