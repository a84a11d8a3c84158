package dev.spillway.templates.sort;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Cuts a sample of sort keys into at most {@code ranges} key ranges of about equal size: the
 * bounds are sample quantiles; range i holds keys in [bound i-1, bound i).
 */
public final class RangeBounds extends DoFn<Iterable<byte[]>, List<byte[]>> {
  private static final long serialVersionUID = 1L;
  private final int ranges;

  public RangeBounds(int ranges) {
    this.ranges = ranges;
  }

  @ProcessElement
  public void process(@Element Iterable<byte[]> sample, OutputReceiver<List<byte[]>> out) {
    List<byte[]> keys = new ArrayList<>();
    sample.forEach(keys::add);
    keys.sort(Arrays::compareUnsigned);
    List<byte[]> bounds = new ArrayList<>();
    for (int i = 1; i < ranges && !keys.isEmpty(); i++) {
      byte[] b = keys.get((int) ((long) i * keys.size() / ranges));
      if (bounds.isEmpty() || Arrays.compareUnsigned(bounds.get(bounds.size() - 1), b) < 0) {
        bounds.add(b);
      }
    }
    out.output(bounds);
  }

  /** The range of {@code key}: the number of bounds at or below it. */
  public static int rangeOf(List<byte[]> bounds, byte[] key) {
    int lo = 0;
    int hi = bounds.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(bounds.get(mid), key) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
