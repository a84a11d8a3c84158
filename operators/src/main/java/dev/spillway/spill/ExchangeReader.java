package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads files of {@link ExchangeWriter}s back, one after another, checking every block; a damaged
 * file fails with a {@link CorruptSegmentException} naming it. Its one block buffer is taken from
 * the memory pool as it opens and goes back at {@link #close()}: a consumer reads all of its
 * partition's files through one reader, so that it never asks the pool for memory in the middle of
 * its engine's input.
 */
public final class ExchangeReader implements RecordCursor {
  private final List<Path> files;
  private final FrameCipher cipher;
  private final IoBuffers buffers;
  private final MemoryReservation reservation;
  private int nextFile;
  private SegmentReader segment;

  /**
   * Opens {@code file}.
   *
   * @param key the exchange's key if its writers encrypted, else null
   */
  public ExchangeReader(SpillConfig config, Path file, ExchangeKey key) {
    this(config, List.of(file), key);
  }

  /**
   * A reader of {@code files}, in order.
   *
   * @param key the exchange's key if its writers encrypted, else null
   */
  public ExchangeReader(SpillConfig config, List<Path> files, ExchangeKey key) {
    this.files = List.copyOf(files);
    this.cipher = key == null ? null : key.cipher();
    int block = ExchangeWriter.blockBytes(config);
    this.buffers = new IoBuffers(config, block, 1);
    this.reservation = new MemoryReservation(config.pool(), block);
    try {
      reservation.reserve(bufferBytes(config));
    } catch (RuntimeException e) {
      reservation.close();
      throw e;
    }
  }

  /** The memory a reader takes as it opens and holds until it closes. */
  public static long bufferBytes(SpillConfig config) {
    return SpillPlan.slotBytes(config, ExchangeWriter.blockBytes(config));
  }

  @Override
  public boolean next() {
    while (segment == null || !segment.next()) {
      if (segment != null) {
        segment.close();
        segment = null;
      }
      if (nextFile == files.size()) {
        return false;
      }
      segment = open(files.get(nextFile++));
    }
    return true;
  }

  private SegmentReader open(Path file) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open exchange file " + file + ": " + e, e);
    }
    return new SegmentReader(new SegmentLocation(file, 0, size, 0, 0, 0), buffers, cipher);
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

  /** Closes the file being read and returns the buffer's memory. Idempotent. */
  @Override
  public void close() {
    try {
      if (segment != null) {
        segment.close();
        segment = null;
      }
      buffers.close();
    } finally {
      nextFile = files.size();
      reservation.close();
    }
  }
}
