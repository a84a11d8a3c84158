package dev.spillway.spill;

import java.util.Arrays;

/** Comparisons of byte ranges as the engine orders keys: unsigned, lexicographic, shorter first. */
final class Bytes {
  private Bytes() {}

  static int compare(byte[] a, int aOffset, int aLength, byte[] b, int bOffset, int bLength) {
    return Arrays.compareUnsigned(a, aOffset, aOffset + aLength, b, bOffset, bOffset + bLength);
  }

  static boolean equal(byte[] a, int aOffset, int aLength, byte[] b, int bOffset, int bLength) {
    return Arrays.equals(a, aOffset, aOffset + aLength, b, bOffset, bOffset + bLength);
  }

  /**
   * The first eight bytes of a range as a big-endian number, zero-padded: comparing two prefixes
   * as unsigned longs orders them as {@link #compare} would, except that equal prefixes need the
   * full comparison.
   */
  static long prefix(byte[] a, int offset, int length) {
    long p = 0;
    int n = Math.min(8, length);
    for (int i = 0; i < n; i++) {
      p |= (a[offset + i] & 0xFFL) << (56 - 8 * i);
    }
    return p;
  }
}
