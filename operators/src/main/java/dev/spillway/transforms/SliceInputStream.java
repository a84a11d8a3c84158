package dev.spillway.transforms;

import java.io.InputStream;
import java.util.Objects;

/**
 * An input stream over a slice of an array, without copying it and without the locking of {@link
 * java.io.ByteArrayInputStream}: a coder decoding a value from engine memory reads the bytes where
 * they lie, one call per byte for varints.
 */
final class SliceInputStream extends InputStream {
  private final byte[] bytes;
  private final int end;
  private int position;

  SliceInputStream(byte[] bytes, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, bytes.length);
    this.bytes = bytes;
    this.position = offset;
    this.end = offset + length;
  }

  @Override
  public int read() {
    return position < end ? bytes[position++] & 0xFF : -1;
  }

  @Override
  public int read(byte[] into, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, into.length);
    if (length == 0) {
      return 0;
    }
    if (position >= end) {
      return -1;
    }
    int n = Math.min(length, end - position);
    System.arraycopy(bytes, position, into, offset, n);
    position += n;
    return n;
  }

  @Override
  public long skip(long n) {
    int skipped = (int) Math.max(0, Math.min(n, end - position));
    position += skipped;
    return skipped;
  }

  /** The bytes not read yet. */
  @Override
  public int available() {
    return end - position;
  }
}
