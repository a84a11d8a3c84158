package dev.spillway.spill;

/** Walks values as byte ranges; a range is valid until the next {@link #next()}. */
public interface ValueCursor {
  boolean next();

  byte[] array();

  int offset();

  int length();
}
