package dev.spillway.spill;

/**
 * An aggregator's accumulators as a fixed number of longs, which a combining engine then keeps in a
 * column of its table beside each key instead of as one object per key: no allocation per key, no
 * pointer to follow per merged record, and 8 bytes per long of memory instead of an object's header
 * and reference. Sums, counts, minima and maxima fit in one long, and the transforms' {@code
 * EARLIEST}/{@code LATEST} timestamp takes one more. An {@link Aggregator} offers one through
 * {@link Aggregator#longLayout()}; the engine still hands out accumulators as {@code A} objects
 * ({@link #load}), made only when asked for.
 *
 * <p>Spill files of an engine using a layout hold each accumulator as its {@link #width()} longs,
 * big-endian: the encoding is the engine's own, so the aggregator's {@link ValueCodec} is not used.
 *
 * <pre>{@code
 * // LongSum's: one long, added to in place.
 * new LongLayout<Long, long[]>() {
 *   public int width() { return 1; }
 *   public void create(Long v, long[] slots, int at) { slots[at] = v; }
 *   public void add(long[] slots, int at, Long v) { slots[at] += v; }
 *   public void merge(long[] slots, int at, long[] from, int fromAt) { slots[at] += from[fromAt]; }
 *   public void store(long[] acc, long[] slots, int at) { slots[at] = acc[0]; }
 *   public long[] load(long[] slots, int at) { return new long[] {slots[at]}; }
 * };
 * }</pre>
 *
 * @param <V> the values
 * @param <A> the accumulators
 */
public interface LongLayout<V, A> {
  /** The longs one accumulator takes; at least one, the same for every accumulator. */
  int width();

  /** Writes the accumulator of {@code value} alone into {@code slots[at, at+width)}. */
  void create(V value, long[] slots, int at);

  /** Adds {@code value} to the accumulator in {@code slots[at, at+width)}. */
  void add(long[] slots, int at, V value);

  /** Merges the accumulator in {@code from[fromAt, fromAt+width)} into the one at {@code at}. */
  void merge(long[] slots, int at, long[] from, int fromAt);

  /** Writes {@code accumulator} into {@code slots[at, at+width)}. */
  void store(A accumulator, long[] slots, int at);

  /** A new accumulator object equal to the one in {@code slots[at, at+width)}. */
  A load(long[] slots, int at);
}
