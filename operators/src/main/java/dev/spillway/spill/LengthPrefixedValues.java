package dev.spillway.spill;

/**
 * A {@link ValueCursor} over values stored as {@code [length: varint][bytes]} in pages: subclasses
 * find where the next value lies, {@link #readAt} reads it.
 */
abstract class LengthPrefixedValues implements ValueCursor {
  private byte[] page;
  private int offset;
  private int length;

  /** Makes the value at {@code page[position]} the current one; returns the position after it. */
  protected final int readAt(byte[] page, int position) {
    this.page = page;
    length = Varint.get(page, position);
    offset = position + Varint.size(length);
    return offset + length;
  }

  @Override
  public final byte[] array() {
    return page;
  }

  @Override
  public final int offset() {
    return offset;
  }

  @Override
  public final int length() {
    return length;
  }
}
