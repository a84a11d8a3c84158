package dev.spillway.transforms;

import dev.spillway.spill.Aggregator;
import dev.spillway.spill.LongLayout;
import java.util.Arrays;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/**
 * A Beam {@link CombineFn} as the engine's {@link Aggregator}, for using a CombineFn with an engine
 * directly: {@code new ExternalMerger<>(new CombineFnAggregator<>(fn), new CoderCodec<>(coder),
 * config)}.
 */
public final class CombineFnAggregator<InputT, AccumT> implements Aggregator<InputT, AccumT> {
  private final CombineFn<InputT, AccumT, ?> fn;
  private final LongLayout<InputT, AccumT> layout;

  /** Aggregates with {@code fn}'s accumulator methods. */
  public CombineFnAggregator(CombineFn<InputT, AccumT, ?> fn) {
    this.fn = fn;
    this.layout = CombineFnLayouts.of(fn);
  }

  @Override
  public AccumT createAccumulator(InputT value) {
    return fn.addInput(fn.createAccumulator(), value);
  }

  @Override
  public AccumT emptyAccumulator() {
    return fn.createAccumulator();
  }

  @Override
  public AccumT addInput(AccumT accumulator, InputT value) {
    return fn.addInput(accumulator, value);
  }

  @Override
  public AccumT mergeAccumulators(AccumT first, AccumT second) {
    return fn.mergeAccumulators(Arrays.asList(first, second));
  }

  /**
   * For Beam's sums, minima, maxima and counts, their one-primitive accumulators as a long each
   * ({@link CombineFnLayouts}); null for other CombineFns.
   */
  @Override
  public LongLayout<InputT, AccumT> longLayout() {
    return layout;
  }
}
