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
}
