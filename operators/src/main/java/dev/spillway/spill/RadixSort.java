package dev.spillway.spill;

import java.util.Arrays;

/**
 * Radix sorts of longs compared as unsigned, eight bits a pass, skipping the passes whose digit is
 * the same in every element (so 32-bit hashes in the top half of a long cost four passes, and small
 * key ranges fewer). Stable. An optional payload array moves with the keys.
 */
final class RadixSort {
  private RadixSort() {}

  /**
   * Sorts {@code keys[0, n)} by their bytes {@code [fromByte, toByte)} (byte 0 is the least
   * significant), least significant digit first, moving {@code payload} along if it is not null.
   * {@code tmpKeys} (and {@code tmpPayload}) must hold n elements; {@code counts} is {@code toByte
   * - fromByte} arrays of 256, their content overwritten (a caller sorting many small arrays makes
   * them once). The result is always left in {@code keys} and {@code payload}.
   */
  static void sort(
      long[] keys,
      long[] payload,
      int n,
      long[] tmpKeys,
      long[] tmpPayload,
      int fromByte,
      int toByte,
      int[][] counts) {
    sortRange(keys, payload, 0, n, tmpKeys, tmpPayload, fromByte, toByte, counts);
  }

  /**
   * Sorts {@code keys[0, n)} by all their bits: first into 256 buckets by the eight most
   * significant bits that are not the same in every key ({@link #topDigitShift}), then each bucket
   * by the bits below them on its own. Each bucket's passes then stay in the CPU's caches, as does
   * the work of a caller that goes on to read what the elements point to bucket by bucket (records
   * placed by the same bits of their key: {@link SortBuffer}); keys that share their high bits
   * (timestamps, say) are still spread over the buckets. {@code counts} is eight arrays of 256;
   * {@code tmpKeys} (and {@code tmpPayload}) must hold n elements. The result is always left in
   * {@code keys} and {@code payload}. Returns where the digit sorted first starts, or -1 if every
   * key is the same.
   */
  static int sortTopDigitFirst(
      long[] keys, long[] payload, int n, long[] tmpKeys, long[] tmpPayload, int[][] counts) {
    long differing = 0;
    for (int i = 1; i < n; i++) {
      differing |= keys[i] ^ keys[0];
    }
    if (differing == 0) {
      return -1; // all equal: already in order
    }
    int shift = topDigitShift(differing);
    int[] starts = counts[7];
    Arrays.fill(starts, 0);
    for (int i = 0; i < n; i++) {
      starts[(int) (keys[i] >>> shift) & 0xFF]++;
    }
    int[] bounds = new int[257];
    for (int b = 0; b < 256; b++) {
      bounds[b + 1] = bounds[b] + starts[b];
    }
    System.arraycopy(bounds, 0, starts, 0, 256);
    for (int i = 0; i < n; i++) {
      int at = starts[(int) (keys[i] >>> shift) & 0xFF]++;
      tmpKeys[at] = keys[i];
      if (payload != null) {
        tmpPayload[at] = payload[i];
      }
    }
    int lowBytes = (shift + 7) / 8; // the bytes holding the bits below the digit
    for (int b = 0; b < 256; b++) {
      int from = bounds[b];
      int to = bounds[b + 1];
      if (to > from) {
        // Sorted in the scratch arrays, with the same range of keys and payload as their scratch,
        // then copied back while in the caches.
        sortRange(tmpKeys, tmpPayload, from, to, keys, payload, 0, lowBytes, counts);
        System.arraycopy(tmpKeys, from, keys, from, to - from);
        if (payload != null) {
          System.arraycopy(tmpPayload, from, payload, from, to - from);
        }
      }
    }
    return shift;
  }

  /**
   * Where the eight-bit digit that {@link #sortTopDigitFirst} sorts first starts in keys that
   * differ in the bits {@code differing} (not 0): it ends at their most significant differing bit.
   */
  private static int topDigitShift(long differing) {
    return Math.max(0, 63 - Long.numberOfLeadingZeros(differing) - 7);
  }

  /**
   * Sorts {@code keys[from, to)} least significant digit first, as {@link #sort}, using the same
   * range of the scratch arrays; the result is left in {@code keys} and {@code payload}.
   */
  private static void sortRange(
      long[] keys,
      long[] payload,
      int from,
      int to,
      long[] tmpKeys,
      long[] tmpPayload,
      int fromByte,
      int toByte,
      int[][] counts) {
    int n = to - from;
    if (n < 2) {
      return;
    }
    int digits = toByte - fromByte;
    for (int d = 0; d < digits; d++) {
      Arrays.fill(counts[d], 0);
    }
    for (int i = from; i < to; i++) {
      long k = keys[i];
      for (int d = 0; d < digits; d++) {
        counts[d][(int) (k >>> (8 * (fromByte + d))) & 0xFF]++;
      }
    }
    long[] srcK = keys;
    long[] srcP = payload;
    long[] dstK = tmpKeys;
    long[] dstP = tmpPayload;
    for (int d = 0; d < digits; d++) {
      int[] c = counts[d];
      int shift = 8 * (fromByte + d);
      if (c[(int) (srcK[from] >>> shift) & 0xFF] == n) {
        continue; // every element has the same digit here
      }
      int sum = from;
      for (int b = 0; b < 256; b++) {
        int t = c[b];
        c[b] = sum;
        sum += t;
      }
      for (int i = from; i < to; i++) {
        long k = srcK[i];
        int at = c[(int) (k >>> shift) & 0xFF]++;
        dstK[at] = k;
        if (srcP != null) {
          dstP[at] = srcP[i];
        }
      }
      long[] t = srcK;
      srcK = dstK;
      dstK = t;
      t = srcP;
      srcP = dstP;
      dstP = t;
    }
    if (srcK != keys) {
      System.arraycopy(srcK, from, keys, from, n);
      if (payload != null) {
        System.arraycopy(srcP, from, payload, from, n);
      }
    }
  }
}
