package dev.spillway.spill;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Comparisons of byte ranges as the engine orders keys: unsigned, lexicographic, shorter first. */
final class Bytes {
  private Bytes() {}

  static int compare(byte[] a, int aOffset, int aLength, byte[] b, int bOffset, int bLength) {
    return Arrays.compareUnsigned(a, aOffset, aOffset + aLength, b, bOffset, bOffset + bLength);
  }

  static boolean equal(byte[] a, int aOffset, int aLength, byte[] b, int bOffset, int bLength) {
    if (aLength != bLength) {
      return false;
    }
    if (aLength > 32) {
      return Arrays.equals(a, aOffset, aOffset + aLength, b, bOffset, bOffset + bLength);
    }
    // Short keys (the common case) compare faster word by word than through the intrinsic.
    int i = 0;
    for (; i + 8 <= aLength; i += 8) {
      if ((long) LONGS.get(a, aOffset + i) != (long) LONGS.get(b, bOffset + i)) {
        return false;
      }
    }
    for (; i < aLength; i++) {
      if (a[aOffset + i] != b[bOffset + i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Copies {@code length} bytes as {@link System#arraycopy} does (the ranges must not overlap).
   * Keys and values of a few bytes, the common case, are copied word by word inline: {@code
   * arraycopy} of a length the compiler cannot see calls a stub, which costs more than moving eight
   * bytes.
   */
  static void copy(byte[] src, int srcOffset, byte[] dst, int dstOffset, int length) {
    if (length > 16) {
      System.arraycopy(src, srcOffset, dst, dstOffset, length);
    } else if (length >= 8) {
      // Two words that overlap in the middle cover any length from 8 to 16.
      long head = (long) LONGS.get(src, srcOffset);
      long tail = (long) LONGS.get(src, srcOffset + length - 8);
      LONGS.set(dst, dstOffset, head);
      LONGS.set(dst, dstOffset + length - 8, tail);
    } else {
      for (int i = 0; i < length; i++) {
        dst[dstOffset + i] = src[srcOffset + i];
      }
    }
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final VarHandle BIG_ENDIAN_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /**
   * The first eight bytes of a range as a big-endian number, zero-padded: comparing two prefixes as
   * unsigned longs orders them as {@link #compare} would, except that equal prefixes need the full
   * comparison.
   */
  static long prefix(byte[] a, int offset, int length) {
    if (length >= 8) {
      return (long) BIG_ENDIAN_LONGS.get(a, offset);
    }
    long p = 0;
    int n = Math.min(8, length);
    for (int i = 0; i < n; i++) {
      p |= (a[offset + i] & 0xFFL) << (56 - 8 * i);
    }
    return p;
  }
}
