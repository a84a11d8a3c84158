package dev.spillway.transforms;

import java.util.Collection;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.NonMergingWindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;
import org.joda.time.Duration;

/**
 * One interval window over all time, ending where the global window ends: the window a shard of the
 * global window (or of sessions) crosses Beam's Spark runner's shuffle in. Spark groups the global
 * window by combining each key's values into a list, and streams a group out of its sorted shuffle
 * for non-merging windows of any other kind ({@link RunnerGrouping#SPARK}). The merge step outputs
 * into the windows its records carry, never into this one.
 */
final class OneInterval extends NonMergingWindowFn<Object, IntervalWindow> {
  private static final long serialVersionUID = 1L;

  static final IntervalWindow WINDOW =
      new IntervalWindow(
          BoundedWindow.TIMESTAMP_MIN_VALUE,
          GlobalWindow.INSTANCE.maxTimestamp().plus(Duration.millis(1)));

  @Override
  public Collection<IntervalWindow> assignWindows(AssignContext c) {
    return List.of(WINDOW);
  }

  @Override
  public boolean isCompatible(WindowFn<?, ?> other) {
    return other instanceof OneInterval;
  }

  @Override
  public Coder<IntervalWindow> windowCoder() {
    return IntervalWindow.getCoder();
  }

  @Override
  public WindowMappingFn<IntervalWindow> getDefaultWindowMappingFn() {
    throw new UnsupportedOperationException("spillway's shuffle window is not a side input's");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof OneInterval;
  }

  @Override
  public int hashCode() {
    return OneInterval.class.hashCode();
  }
}
