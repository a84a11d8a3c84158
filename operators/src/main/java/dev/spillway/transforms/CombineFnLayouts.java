package dev.spillway.transforms;

import dev.spillway.spill.LongCount;
import dev.spillway.spill.LongLayout;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * {@link LongLayout}s for Beam's CombineFns whose accumulator is one primitive in a one-element
 * array: {@code Combine.BinaryCombineLongFn}, {@code BinaryCombineIntegerFn} and {@code
 * BinaryCombineDoubleFn} ({@code Sum}, {@code Max}, {@code Min} of longs, integers and doubles) and
 * {@code Count}'s. Each layout does what the CombineFn's own methods do, operation for operation
 * ({@code apply(identity(), v)} to start, {@code apply(acc, v)} to add, {@code apply(a, b)} to
 * merge), so that the engines keep such accumulators as longs beside their keys and merge spilled
 * ones without making an object per record. A subclass that overrides the accumulator methods gets
 * no layout: its own methods then run as written.
 */
final class CombineFnLayouts {
  private static final String COUNT_FN = "org.apache.beam.sdk.transforms.Count$CountFn";

  private CombineFnLayouts() {}

  /** The layout of {@code fn}'s accumulators, or null if they are not one known primitive. */
  @SuppressWarnings("unchecked")
  static <InputT, AccumT> LongLayout<InputT, AccumT> of(CombineFn<InputT, AccumT, ?> fn) {
    Object layout = null;
    if (fn instanceof Combine.BinaryCombineLongFn
        && usesOwnMethods(fn, Combine.BinaryCombineLongFn.class, long[].class, Long.class)) {
      layout = new LongFnLayout((Combine.BinaryCombineLongFn) fn);
    } else if (fn instanceof Combine.BinaryCombineIntegerFn
        && usesOwnMethods(fn, Combine.BinaryCombineIntegerFn.class, int[].class, Integer.class)) {
      layout = new IntegerFnLayout((Combine.BinaryCombineIntegerFn) fn);
    } else if (fn instanceof Combine.BinaryCombineDoubleFn
        && usesOwnMethods(fn, Combine.BinaryCombineDoubleFn.class, double[].class, Double.class)) {
      layout = new DoubleFnLayout((Combine.BinaryCombineDoubleFn) fn);
    } else if (fn.getClass().getName().equals(COUNT_FN)) {
      layout = new CountLayout<>();
    }
    return (LongLayout<InputT, AccumT>) layout;
  }

  /** Whether {@code fn}'s accumulator methods are those {@code base} declares. */
  private static boolean usesOwnMethods(
      CombineFn<?, ?, ?> fn, Class<?> base, Class<?> accumulator, Class<?> input) {
    try {
      Class<?> type = fn.getClass();
      return type.getMethod("createAccumulator").getDeclaringClass() == base
          && type.getMethod("addInput", accumulator, input).getDeclaringClass() == base
          && type.getMethod("mergeAccumulators", Iterable.class).getDeclaringClass() == base;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static final class LongFnLayout implements LongLayout<Long, long[]> {
    private final Combine.BinaryCombineLongFn fn;

    LongFnLayout(Combine.BinaryCombineLongFn fn) {
      this.fn = fn;
    }

    @Override
    public int width() {
      return 1;
    }

    @Override
    public void create(Long value, long[] slots, int at) {
      slots[at] = fn.apply(fn.identity(), value);
    }

    @Override
    public void add(long[] slots, int at, Long value) {
      slots[at] = fn.apply(slots[at], value);
    }

    @Override
    public void merge(long[] slots, int at, long[] from, int fromAt) {
      slots[at] = fn.apply(slots[at], from[fromAt]);
    }

    @Override
    public void store(long[] accumulator, long[] slots, int at) {
      slots[at] = accumulator[0];
    }

    @Override
    public long[] load(long[] slots, int at) {
      return new long[] {slots[at]};
    }
  }

  private static final class IntegerFnLayout implements LongLayout<Integer, int[]> {
    private final Combine.BinaryCombineIntegerFn fn;

    IntegerFnLayout(Combine.BinaryCombineIntegerFn fn) {
      this.fn = fn;
    }

    @Override
    public int width() {
      return 1;
    }

    @Override
    public void create(Integer value, long[] slots, int at) {
      slots[at] = fn.apply(fn.identity(), value);
    }

    @Override
    public void add(long[] slots, int at, Integer value) {
      slots[at] = fn.apply((int) slots[at], value);
    }

    @Override
    public void merge(long[] slots, int at, long[] from, int fromAt) {
      slots[at] = fn.apply((int) slots[at], (int) from[fromAt]);
    }

    @Override
    public void store(int[] accumulator, long[] slots, int at) {
      slots[at] = accumulator[0];
    }

    @Override
    public int[] load(long[] slots, int at) {
      return new int[] {(int) slots[at]};
    }
  }

  /** Doubles as their raw bits: every value, NaNs included, comes back as it went in. */
  private static final class DoubleFnLayout implements LongLayout<Double, double[]> {
    private final Combine.BinaryCombineDoubleFn fn;

    DoubleFnLayout(Combine.BinaryCombineDoubleFn fn) {
      this.fn = fn;
    }

    @Override
    public int width() {
      return 1;
    }

    @Override
    public void create(Double value, long[] slots, int at) {
      slots[at] = bits(fn.apply(fn.identity(), value));
    }

    @Override
    public void add(long[] slots, int at, Double value) {
      slots[at] = bits(fn.apply(Double.longBitsToDouble(slots[at]), value));
    }

    @Override
    public void merge(long[] slots, int at, long[] from, int fromAt) {
      slots[at] =
          bits(fn.apply(Double.longBitsToDouble(slots[at]), Double.longBitsToDouble(from[fromAt])));
    }

    @Override
    public void store(double[] accumulator, long[] slots, int at) {
      slots[at] = bits(accumulator[0]);
    }

    @Override
    public double[] load(long[] slots, int at) {
      return new double[] {Double.longBitsToDouble(slots[at])};
    }

    private static long bits(double d) {
      return Double.doubleToRawLongBits(d);
    }
  }

  /** {@code Count.combineFn()}: one count, whatever the input. */
  private static final class CountLayout<T> extends LongCount<T> {
    @Override
    public void create(T value, long[] slots, int at) {
      slots[at] = 1;
    }

    @Override
    public void add(long[] slots, int at, T value) {
      slots[at]++;
    }
  }
}
