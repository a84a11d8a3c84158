package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads one file of an {@link ExchangeWriter} back, checking every block; a damaged file fails with
 * a {@link CorruptSegmentException} naming it. Its block buffer comes from the memory pool and goes
 * back at {@link #close()}.
 */
public final class ExchangeReader implements RecordCursor {
  private final MemoryReservation reservation;
  private final SegmentReader segment;

  /**
   * Opens {@code file}.
   *
   * @param key the exchange's key if its writers encrypted, else null
   */
  public ExchangeReader(SpillConfig config, Path file, ExchangeKey key) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open exchange file " + file + ": " + e, e);
    }
    int block = ExchangeWriter.blockBytes(config);
    this.reservation = new MemoryReservation(config.pool(), block);
    try {
      reservation.reserve(SpillPlan.slotBytes(config, block));
      this.segment =
          new SegmentReader(
              new SegmentLocation(file, 0, size, 0, 0, 0),
              new IoBuffers(config, block, 1),
              key == null ? null : key.cipher());
    } catch (RuntimeException e) {
      reservation.close();
      throw e;
    }
  }

  @Override
  public boolean next() {
    return segment.next();
  }

  @Override
  public byte[] keyArray() {
    return segment.keyArray();
  }

  @Override
  public int keyOffset() {
    return segment.keyOffset();
  }

  @Override
  public int keyLength() {
    return segment.keyLength();
  }

  @Override
  public byte[] valueArray() {
    return segment.valueArray();
  }

  @Override
  public int valueOffset() {
    return segment.valueOffset();
  }

  @Override
  public int valueLength() {
    return segment.valueLength();
  }

  @Override
  public void close() {
    try {
      segment.close();
    } finally {
      reservation.close();
    }
  }
}
