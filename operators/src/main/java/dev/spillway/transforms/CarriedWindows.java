package dev.spillway.transforms;

import java.util.Collection;
import java.util.Collections;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.NonMergingWindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;
import org.apache.beam.sdk.values.KV;

/**
 * Puts each element into the window it carries: how the merged sessions of a merge step, which
 * outputs in the global window of its shuffle, reach their own windows. The element keeps its
 * timestamp and pane.
 */
final class CarriedWindows<T> extends NonMergingWindowFn<KV<T, IntervalWindow>, IntervalWindow> {
  private static final long serialVersionUID = 1L;

  @Override
  public Collection<IntervalWindow> assignWindows(AssignContext c) {
    return Collections.singletonList(c.element().getValue());
  }

  @Override
  public boolean isCompatible(WindowFn<?, ?> other) {
    return other instanceof CarriedWindows;
  }

  @Override
  public Coder<IntervalWindow> windowCoder() {
    return IntervalWindow.getCoder();
  }

  @Override
  public WindowMappingFn<IntervalWindow> getDefaultWindowMappingFn() {
    throw new UnsupportedOperationException("the windows of merged sessions cannot be mapped to"
        + " side input windows");
  }

  @Override
  public boolean assignsToOneWindow() {
    return true;
  }
}
