package dev.spillway.spill;

import java.io.Closeable;

/**
 * The output of an {@link ExternalGroupBy}: each key once, with all its values, in no particular
 * order. The key and its values are valid until the next {@link #next()}. Closing early deletes
 * what is left on disk.
 */
public interface GroupCursor extends Closeable {
  boolean next();

  byte[] keyArray();

  int keyOffset();

  int keyLength();

  GroupValues values();

  @Override
  void close();
}
