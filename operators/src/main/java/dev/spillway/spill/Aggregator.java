package dev.spillway.spill;

/**
 * How values of one key combine: the seed's {@code Aggregator} (createCombiner, mergeValue,
 * mergeCombiners), shaped like Beam's {@code CombineFn} so that one adapts to the other. An
 * implementation may mutate and return its first argument.
 *
 * <pre>{@code
 * Aggregator<Long, long[]> sum = new Aggregator<>() {
 *   public long[] createAccumulator(Long v) { return new long[] {v}; }
 *   public long[] addInput(long[] acc, Long v) { acc[0] += v; return acc; }
 *   public long[] mergeAccumulators(long[] a, long[] b) { a[0] += b[0]; return a; }
 * };
 * }</pre>
 *
 * @param <V> the values
 * @param <A> the accumulators, written to spill files by a {@link ValueCodec}
 */
public interface Aggregator<V, A> {
  A createAccumulator(V value);

  A addInput(A accumulator, V value);

  A mergeAccumulators(A first, A second);

  /**
   * An accumulator of no values, or null if this aggregator cannot make one; the engine only weighs
   * it, as the heap every accumulator of a fixed-size codec takes ({@link HeapSize}). Beam's {@code
   * CombineFn.createAccumulator()} makes one.
   */
  default A emptyAccumulator() {
    return null;
  }

  /**
   * Merges an accumulator given as {@code codec}'s encoding, {@code bytes[offset, offset+length)},
   * into {@code accumulator}; the engine's merge of spilled partitions calls it once per spilled
   * record of a key already in its table, when it holds accumulators as objects. The default
   * decodes, then merges; an aggregator that can read the encoding directly may override it to make
   * no object per record (on G1, an object per merged record costs the merge several times what the
   * merging does). Sums, counts and other accumulators of a few longs do better with a {@link
   * #longLayout()}, which the engine merges with no object at all.
   */
  default A mergeEncoded(A accumulator, ValueCodec<A> codec, byte[] bytes, int offset, int length) {
    return mergeAccumulators(accumulator, codec.decode(bytes, offset, length));
  }

  /**
   * These accumulators as a fixed number of longs, or null (the default) if they are not: an engine
   * then keeps them in a column beside the keys rather than as objects ({@link LongLayout}). The
   * layout must combine exactly as this aggregator does.
   */
  default LongLayout<V, A> longLayout() {
    return null;
  }
}
