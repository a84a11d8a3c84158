package dev.spillway.spill;

import java.util.Arrays;

/** A growable byte buffer that value codecs encode into; reused, so encoding allocates little. */
public final class ByteSink {
  private byte[] buf;
  private int length;

  /** An empty sink with room for 64 bytes before it grows. */
  public ByteSink() {
    this(64);
  }

  /** An empty sink with room for {@code initialCapacity} bytes (at least 16) before it grows. */
  public ByteSink(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  /** Appends the low eight bits of {@code b}. */
  public void write(int b) {
    ensure(1);
    buf[length++] = (byte) b;
  }

  /** Appends {@code len} bytes of {@code src} from {@code offset}. */
  public void write(byte[] src, int offset, int len) {
    ensure(len);
    Bytes.copy(src, offset, buf, length, len);
    length += len;
  }

  /** Appends all of {@code src}. */
  public void write(byte[] src) {
    write(src, 0, src.length);
  }

  /** Appends {@code v} as a {@link Varint}. */
  public void writeVarint(int v) {
    ensure(5);
    length = Varint.put(buf, length, v);
  }

  /**
   * Appends {@code v} as an unsigned LEB128 varint of its 64 bits (Beam's {@code VarInt}: a
   * negative value takes ten bytes).
   */
  public void writeVarLong(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[length++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[length++] = (byte) v;
  }

  /** Appends {@code v} as eight bytes, big-endian. */
  public void writeLong(long v) {
    ensure(8);
    OrderedBytes.putUnsignedLong(v, buf, length);
    length += 8;
  }

  /** Empties the sink, keeping its array for the next value. */
  public void clear() {
    length = 0;
  }

  /** The backing array; valid until the next write. */
  public byte[] array() {
    return buf;
  }

  /** How many bytes were written since the last {@link #clear}. */
  public int length() {
    return length;
  }

  /** A copy of the bytes written since the last {@link #clear}. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, length);
  }

  private void ensure(int more) {
    if (length + more > buf.length) {
      long want = Math.max((long) buf.length * 2, (long) length + more);
      if (want > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("an encoded value passes 2 GiB");
      }
      buf = Arrays.copyOf(buf, (int) want);
    }
  }
}
