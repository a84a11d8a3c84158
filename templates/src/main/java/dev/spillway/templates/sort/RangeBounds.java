package dev.spillway.templates.sort;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Key ranges of about equal size for a distributed sort: the bounds are quantiles of a sample of
 * the sort keys, taken before the pipeline runs; range i holds keys in [bound i-1, bound i),
 * compared as unsigned bytes.
 *
 * <p>The sample is taken up front (from the input files, by random seeks) rather than in the
 * pipeline: a sample made in the pipeline reaches the ranging step as a side input, and until it is
 * ready the DirectRunner holds back every element on the heap.
 */
public final class RangeBounds {
  /** Samples per range to aim at. */
  public static final int SAMPLES_PER_RANGE = 100;

  private RangeBounds() {}

  /** The bounds of at most {@code ranges} ranges, from {@code sample} (left unchanged). */
  public static List<byte[]> fromSample(List<byte[]> sample, int ranges) {
    List<byte[]> keys = new ArrayList<>(sample);
    keys.sort(Arrays::compareUnsigned);
    List<byte[]> bounds = new ArrayList<>();
    for (int i = 1; i < ranges && !keys.isEmpty(); i++) {
      byte[] b = keys.get((int) ((long) i * keys.size() / ranges));
      if (bounds.isEmpty() || Arrays.compareUnsigned(bounds.get(bounds.size() - 1), b) < 0) {
        bounds.add(b);
      }
    }
    return bounds;
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
