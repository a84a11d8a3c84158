package dev.spillway.spill;

/**
 * A {@link LongLayout} for an accumulator that is one long in a one-element array, added up when
 * accumulators merge: a sum or a count. Subclasses say how the first value starts it and how a
 * value adds to it.
 *
 * @param <V> the values
 */
public abstract class LongCount<V> implements LongLayout<V, long[]> {
  @Override
  public final int width() {
    return 1;
  }

  @Override
  public final void merge(long[] slots, int at, long[] from, int fromAt) {
    slots[at] += from[fromAt];
  }

  @Override
  public final void store(long[] accumulator, long[] slots, int at) {
    slots[at] = accumulator[0];
  }

  @Override
  public final long[] load(long[] slots, int at) {
    return new long[] {slots[at]};
  }
}
