package dev.spillway.transforms;

import dev.spillway.spill.Aggregator;
import dev.spillway.spill.ValueCodec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * How {@link SpillingCombine}'s engines hold a CombineFn's accumulators: as they are, when outputs
 * take the end of their window, or {@link Stamped} with their inputs' combined timestamp ({@code
 * EARLIEST}, {@code LATEST}).
 *
 * @param <InputT> the CombineFn's input
 * @param <AccumT> the CombineFn's accumulator
 * @param <V> what the engine adds: the input, or a stamped input
 * @param <A> what the engine holds: the accumulator, or a stamped accumulator
 */
abstract class Accumulation<InputT, AccumT, V, A> implements Serializable {
  private static final long serialVersionUID = 1L;

  final CombineFn<InputT, AccumT, ?> fn;

  private Accumulation(CombineFn<InputT, AccumT, ?> fn) {
    this.fn = fn;
  }

  static <InputT, AccumT> Accumulation<InputT, AccumT, ?, ?> of(
      CombineFn<InputT, AccumT, ?> fn, OutputTime time) {
    return time.fromInputs() ? new StampedAccumulation<>(fn, time) : new Plain<>(fn);
  }

  abstract Aggregator<V, A> aggregator();

  abstract ValueCodec<A> codec(ValueCodec<AccumT> accumulators);

  /** What the engine adds for {@code value} at {@code millis}; valid until the next call. */
  abstract V input(InputT value, long millis);

  abstract AccumT accumulator(A held);

  /** The inputs' combined timestamp; unused when outputs take the end of their window. */
  abstract long millis(A held);

  /** Merges {@code held} (not empty) into one, with one call to the CombineFn. */
  abstract A mergeAll(List<A> held);

  private static final class Plain<InputT, AccumT>
      extends Accumulation<InputT, AccumT, InputT, AccumT> {
    private static final long serialVersionUID = 1L;

    Plain(CombineFn<InputT, AccumT, ?> fn) {
      super(fn);
    }

    @Override
    Aggregator<InputT, AccumT> aggregator() {
      return new CombineFnAggregator<>(fn);
    }

    @Override
    ValueCodec<AccumT> codec(ValueCodec<AccumT> accumulators) {
      return accumulators;
    }

    @Override
    InputT input(InputT value, long millis) {
      return value;
    }

    @Override
    AccumT accumulator(AccumT held) {
      return held;
    }

    @Override
    long millis(AccumT held) {
      return Long.MIN_VALUE;
    }

    @Override
    AccumT mergeAll(List<AccumT> held) {
      return held.size() == 1 ? held.get(0) : fn.mergeAccumulators(held);
    }
  }

  private static final class StampedAccumulation<InputT, AccumT>
      extends Accumulation<InputT, AccumT, Stamped<InputT>, Stamped<AccumT>> {
    private static final long serialVersionUID = 1L;

    private final OutputTime time;
    private transient Stamped<InputT> input;

    StampedAccumulation(CombineFn<InputT, AccumT, ?> fn, OutputTime time) {
      super(fn);
      this.time = time;
    }

    @Override
    Aggregator<Stamped<InputT>, Stamped<AccumT>> aggregator() {
      return new Stamped.Aggregation<>(new CombineFnAggregator<>(fn), time);
    }

    @Override
    ValueCodec<Stamped<AccumT>> codec(ValueCodec<AccumT> accumulators) {
      return new Stamped.Codec<>(accumulators);
    }

    @Override
    Stamped<InputT> input(InputT value, long millis) {
      if (input == null) {
        input = new Stamped<>(value, millis);
      }
      input.value = value;
      input.millis = millis;
      return input;
    }

    @Override
    AccumT accumulator(Stamped<AccumT> held) {
      return held.value;
    }

    @Override
    long millis(Stamped<AccumT> held) {
      return held.millis;
    }

    @Override
    Stamped<AccumT> mergeAll(List<Stamped<AccumT>> held) {
      if (held.size() == 1) {
        return held.get(0);
      }
      List<AccumT> values = new ArrayList<>(held.size());
      long millis = held.get(0).millis;
      for (Stamped<AccumT> s : held) {
        values.add(s.value);
        millis = time.combine(millis, s.millis);
      }
      return new Stamped<>(fn.mergeAccumulators(values), millis);
    }
  }
}
