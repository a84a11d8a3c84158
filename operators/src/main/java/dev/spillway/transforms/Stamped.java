package dev.spillway.transforms;

import dev.spillway.spill.Aggregator;
import dev.spillway.spill.ByteSink;
import dev.spillway.spill.LongLayout;
import dev.spillway.spill.OrderedBytes;
import dev.spillway.spill.ValueCodec;

/**
 * A value with the combined timestamp of the inputs it stands for, in epoch milliseconds: what the
 * engines carry when outputs take their inputs' timestamps ({@code EARLIEST} or {@code LATEST}).
 * Encoded as eight bytes of timestamp, then the value.
 */
final class Stamped<T> {
  static final int TIMESTAMP_BYTES = 8;

  T value;
  long millis;

  Stamped(T value, long millis) {
    this.value = value;
    this.millis = millis;
  }

  /** Writes a timestamp in front of a value. */
  static void writeTimestamp(long millis, ByteSink out) {
    out.writeLong(millis);
  }

  /** The timestamp in front of the value at {@code offset}. */
  static long readTimestamp(byte[] bytes, int offset) {
    return OrderedBytes.getUnsignedLong(bytes, offset);
  }

  /** Combines values as {@code values} does, and their timestamps as {@code time} does. */
  static final class Aggregation<V, A> implements Aggregator<Stamped<V>, Stamped<A>> {
    private final Aggregator<V, A> values;
    private final OutputTime time;

    Aggregation(Aggregator<V, A> values, OutputTime time) {
      this.values = values;
      this.time = time;
    }

    @Override
    public Stamped<A> createAccumulator(Stamped<V> input) {
      return new Stamped<>(values.createAccumulator(input.value), input.millis);
    }

    @Override
    public Stamped<A> emptyAccumulator() {
      A empty = values.emptyAccumulator();
      return empty == null ? null : new Stamped<>(empty, 0);
    }

    @Override
    public Stamped<A> addInput(Stamped<A> accumulator, Stamped<V> input) {
      accumulator.value = values.addInput(accumulator.value, input.value);
      accumulator.millis = time.combine(accumulator.millis, input.millis);
      return accumulator;
    }

    @Override
    public Stamped<A> mergeAccumulators(Stamped<A> first, Stamped<A> second) {
      first.value = values.mergeAccumulators(first.value, second.value);
      first.millis = time.combine(first.millis, second.millis);
      return first;
    }

    /** The values' layout with the timestamp in one more long, or null if they have none. */
    @Override
    public LongLayout<Stamped<V>, Stamped<A>> longLayout() {
      LongLayout<V, A> layout = values.longLayout();
      return layout == null ? null : new Layout<>(layout, time);
    }
  }

  /** A stamped accumulator as its value's longs, then the timestamp. */
  private static final class Layout<V, A> implements LongLayout<Stamped<V>, Stamped<A>> {
    private final LongLayout<V, A> values;
    private final OutputTime time;
    private final int stamp;

    Layout(LongLayout<V, A> values, OutputTime time) {
      this.values = values;
      this.time = time;
      this.stamp = values.width();
    }

    @Override
    public int width() {
      return stamp + 1;
    }

    @Override
    public void create(Stamped<V> input, long[] slots, int at) {
      values.create(input.value, slots, at);
      slots[at + stamp] = input.millis;
    }

    @Override
    public void add(long[] slots, int at, Stamped<V> input) {
      values.add(slots, at, input.value);
      slots[at + stamp] = time.combine(slots[at + stamp], input.millis);
    }

    @Override
    public void merge(long[] slots, int at, long[] from, int fromAt) {
      values.merge(slots, at, from, fromAt);
      slots[at + stamp] = time.combine(slots[at + stamp], from[fromAt + stamp]);
    }

    @Override
    public void store(Stamped<A> accumulator, long[] slots, int at) {
      values.store(accumulator.value, slots, at);
      slots[at + stamp] = accumulator.millis;
    }

    @Override
    public Stamped<A> load(long[] slots, int at) {
      return new Stamped<>(values.load(slots, at), slots[at + stamp]);
    }
  }

  /** Encodes the timestamp, then the value with {@code values}. */
  static final class Codec<T> implements ValueCodec<Stamped<T>> {
    private final ValueCodec<T> values;

    Codec(ValueCodec<T> values) {
      this.values = values;
    }

    @Override
    public void encode(Stamped<T> stamped, ByteSink out) {
      writeTimestamp(stamped.millis, out);
      values.encode(stamped.value, out);
    }

    @Override
    public Stamped<T> decode(byte[] bytes, int offset, int length) {
      return new Stamped<>(
          values.decode(bytes, offset + TIMESTAMP_BYTES, length - TIMESTAMP_BYTES),
          readTimestamp(bytes, offset));
    }

    @Override
    public int fixedSize() {
      int size = values.fixedSize();
      return size < 0 ? -1 : size + TIMESTAMP_BYTES;
    }
  }
}
