package dev.spillway.spill;

/** Signed longs as zig-zag varints: test codecs whose encoding differs from an engine's own. */
final class ZigZag {
  private ZigZag() {}

  static void write(long v, ByteSink out) {
    long z = (v << 1) ^ (v >> 63);
    while ((z & ~0x7FL) != 0) {
      out.write((byte) ((z & 0x7F) | 0x80));
      z >>>= 7;
    }
    out.write((byte) z);
  }

  /**
   * Reads the varints of {@code bytes[offset, offset+length)} into {@code into}; fails unless they
   * are exactly {@code into.length}.
   */
  static long[] read(byte[] bytes, int offset, int length, long[] into) {
    int p = offset;
    for (int i = 0; i < into.length; i++) {
      long z = 0;
      int shift = 0;
      byte b;
      do {
        b = bytes[p++];
        z |= (b & 0x7FL) << shift;
        shift += 7;
      } while (b < 0);
      into[i] = (z >>> 1) ^ -(z & 1);
    }
    if (p != offset + length) {
      throw new IllegalArgumentException(into.length + " varints, then " + (offset + length - p));
    }
    return into;
  }
}
