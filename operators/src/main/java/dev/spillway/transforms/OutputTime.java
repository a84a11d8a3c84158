package dev.spillway.transforms;

import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;

/**
 * The timestamp an output takes, as Beam's {@link TimestampCombiner} decides it: the end of its
 * window ({@code END_OF_WINDOW}, the default), or the earliest or latest timestamp of its inputs.
 * Only the last two need the engines to carry a timestamp with each accumulator or value.
 */
enum OutputTime {
  END_OF_WINDOW,
  EARLIEST,
  LATEST;

  static OutputTime of(TimestampCombiner combiner) {
    switch (combiner) {
      case END_OF_WINDOW:
        return END_OF_WINDOW;
      case EARLIEST:
        return EARLIEST;
      case LATEST:
        return LATEST;
      default:
        throw new IllegalArgumentException("unknown timestamp combiner " + combiner);
    }
  }

  /** Whether outputs take their inputs' timestamps, which the engines must then carry. */
  boolean fromInputs() {
    return this != END_OF_WINDOW;
  }

  /** The output time of two partial results of one key and window, in epoch milliseconds. */
  long combine(long a, long b) {
    return this == LATEST ? Math.max(a, b) : Math.min(a, b);
  }

  /** The timestamp of a result whose inputs' combined timestamp is {@code inputs}. */
  long of(BoundedWindow window, long inputs) {
    return fromInputs() ? inputs : window.maxTimestamp().getMillis();
  }
}
