package dev.spillway.spill;

import java.io.Closeable;

/**
 * A stream of (key, value) pairs of byte ranges, positioned before the first. The ranges stay valid
 * until the next call to {@link #next()}; copy what must outlive it. Closing early releases files
 * and buffers.
 */
public interface RecordCursor extends Closeable {
  boolean next();

  byte[] keyArray();

  int keyOffset();

  int keyLength();

  byte[] valueArray();

  int valueOffset();

  int valueLength();

  @Override
  void close();
}
