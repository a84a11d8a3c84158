package dev.spillway.templates.aggregate;

import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine.CombineFn;

/** Combines the numeric columns of a group's lines into its {@link Stats}. */
public final class AggregateFn extends CombineFn<Numbers, Stats, Stats> {
  private static final long serialVersionUID = 1L;
  private final int columns;

  public AggregateFn(int columns) {
    this.columns = columns;
  }

  @Override
  public Stats createAccumulator() {
    return new Stats(columns);
  }

  @Override
  public Stats addInput(Stats stats, Numbers input) {
    stats.add(input);
    return stats;
  }

  @Override
  public Stats mergeAccumulators(Iterable<Stats> all) {
    Stats merged = null;
    for (Stats s : all) {
      if (merged == null) {
        merged = s;
      } else {
        merged.merge(s);
      }
    }
    return merged == null ? createAccumulator() : merged;
  }

  @Override
  public Stats extractOutput(Stats stats) {
    return stats;
  }

  @Override
  public Coder<Stats> getAccumulatorCoder(CoderRegistry registry, Coder<Numbers> inputCoder)
      throws CannotProvideCoderException {
    return new Stats.StatsCoder(columns);
  }

  @Override
  public Coder<Stats> getDefaultOutputCoder(CoderRegistry registry, Coder<Numbers> inputCoder) {
    return new Stats.StatsCoder(columns);
  }
}
