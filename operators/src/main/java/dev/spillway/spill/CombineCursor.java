package dev.spillway.spill;

import java.io.Closeable;

/**
 * The output of an {@link ExternalMerger}: each key once, with its accumulator, in no particular
 * order. The key's bytes are valid until the next {@link #next()}. Closing early deletes what is
 * left on disk.
 *
 * @param <A> the accumulators
 */
public interface CombineCursor<A> extends Closeable {
  boolean next();

  byte[] keyArray();

  int keyOffset();

  int keyLength();

  A accumulator();

  @Override
  void close();
}
