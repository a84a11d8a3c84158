package dev.spillway.transforms;

import dev.spillway.spill.Aggregator;
import java.util.Arrays;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/** A Beam {@link CombineFn} as the engine's {@link Aggregator}. */
final class CombineFnAggregator<InputT, AccumT> implements Aggregator<InputT, AccumT> {
  private final CombineFn<InputT, AccumT, ?> fn;

  CombineFnAggregator(CombineFn<InputT, AccumT, ?> fn) {
    this.fn = fn;
  }

  @Override
  public AccumT createAccumulator(InputT value) {
    return fn.addInput(fn.createAccumulator(), value);
  }

  @Override
  public AccumT addInput(AccumT accumulator, InputT value) {
    return fn.addInput(accumulator, value);
  }

  @Override
  public AccumT mergeAccumulators(AccumT first, AccumT second) {
    return fn.mergeAccumulators(Arrays.asList(first, second));
  }
}
