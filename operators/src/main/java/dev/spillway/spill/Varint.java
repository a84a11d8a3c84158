package dev.spillway.spill;

/**
 * Unsigned LEB128 varints of ints (a negative one as its 32 bits unsigned, in five bytes, as Beam's
 * {@code VarIntCoder} writes it too), as protobuf writes them: the length prefixes of spill blocks
 * and of the transforms' packed records. Reads are unchecked; they are for memory this code wrote
 * (spill files are read by {@link SegmentReader}, which checks).
 */
public final class Varint {
  private Varint() {}

  /** The bytes {@code v} takes. */
  public static int size(int v) {
    if ((v & (~0 << 7)) == 0) {
      return 1;
    }
    if ((v & (~0 << 14)) == 0) {
      return 2;
    }
    if ((v & (~0 << 21)) == 0) {
      return 3;
    }
    if ((v & (~0 << 28)) == 0) {
      return 4;
    }
    return 5;
  }

  /** Writes {@code v} at {@code pos}; returns the position after it. */
  public static int put(byte[] buf, int pos, int v) {
    while ((v & ~0x7F) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
    return pos;
  }

  /** The varint at {@code pos}; the next field starts {@link #size} of it later. */
  public static int get(byte[] buf, int pos) {
    int v = 0;
    for (int shift = 0; ; shift += 7) {
      byte b = buf[pos++];
      v |= (b & 0x7F) << shift;
      if (b >= 0) {
        return v;
      }
    }
  }
}
