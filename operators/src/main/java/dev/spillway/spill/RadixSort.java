package dev.spillway.spill;

import java.util.Arrays;

/**
 * Least-significant-digit radix sort of longs compared as unsigned, eight bits a pass, skipping the
 * passes whose digit is the same in every element (so 32-bit hashes in the top half of a long cost
 * four passes, and small key ranges fewer). Stable. An optional payload array moves with the keys.
 */
final class RadixSort {
  private RadixSort() {}

  /**
   * Sorts {@code keys[0, n)} by their bytes {@code [fromByte, toByte)} (byte 0 is the least
   * significant), moving {@code payload} along if it is not null. {@code tmpKeys} (and {@code
   * tmpPayload}) must hold n elements. The result is always left in {@code keys} and {@code
   * payload}.
   */
  static void sort(
      long[] keys,
      long[] payload,
      int n,
      long[] tmpKeys,
      long[] tmpPayload,
      int fromByte,
      int toByte) {
    sort(keys, payload, n, tmpKeys, tmpPayload, fromByte, toByte, new int[toByte - fromByte][256]);
  }

  /**
   * As the sort above, counting in {@code counts} ({@code toByte - fromByte} arrays of 256, their
   * content overwritten): a caller sorting many small arrays makes them once.
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
    if (n < 2) {
      return;
    }
    int digits = toByte - fromByte;
    for (int d = 0; d < digits; d++) {
      Arrays.fill(counts[d], 0);
    }
    for (int i = 0; i < n; i++) {
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
      if (c[(int) (srcK[0] >>> shift) & 0xFF] == n) {
        continue; // every element has the same digit here
      }
      int sum = 0;
      for (int b = 0; b < 256; b++) {
        int t = c[b];
        c[b] = sum;
        sum += t;
      }
      for (int i = 0; i < n; i++) {
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
      System.arraycopy(srcK, 0, keys, 0, n);
      if (payload != null) {
        System.arraycopy(srcP, 0, payload, 0, n);
      }
    }
  }
}
