package dev.spillway.spill;

import java.nio.file.Path;

/**
 * What every engine owns and releases in {@link #close()}: its memory reservation (with the I/O
 * reserve of its {@link SpillPlan} taken up front), its private spill directories and files, its
 * block buffers and its statistics.
 */
final class EngineResources implements AutoCloseable {
  final SpillConfig config;
  final SpillPlan plan;
  final MemoryReservation reservation;
  final IoBuffers buffers;
  final StatsCounter stats = new StatsCounter();
  private final SpillFileRegistry files;
  private boolean closed;

  EngineResources(SpillConfig config) {
    this.config = config;
    this.plan = SpillPlan.of(config, config.pool().shareForNewConsumer());
    this.buffers = new IoBuffers(config.codec(), plan.blockBytes(), plan.fanIn() + 2);
    SpillDirectories directories = SpillDirectories.create(config.spillDirectories());
    this.files = new SpillFileRegistry(directories);
    MemoryReservation r = null;
    try {
      r = new MemoryReservation(config.pool(), plan.pageBytes());
      r.reserve(plan.ioBytes());
    } catch (RuntimeException e) {
      if (r != null) {
        r.close();
      }
      files.close();
      throw e;
    }
    this.reservation = r;
  }

  SpillFileWriter newFile(String kind) {
    return new SpillFileWriter(files.create(kind));
  }

  void deleteFile(Path file) {
    files.delete(file);
  }

  SegmentReader open(SegmentLocation location) {
    return new SegmentReader(location, buffers);
  }

  /** Bytes in use for records (all but the I/O reserve): what a spill frees. */
  long recordBytes() {
    return reservation.used() - plan.ioBytes();
  }

  SpillStats stats() {
    return stats.snapshot(reservation.peak());
  }

  int liveFiles() {
    return files.liveFiles();
  }

  boolean closed() {
    return closed;
  }

  /** Deletes every spill file and directory and returns all memory; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      files.close();
    } finally {
      reservation.close();
    }
  }
}
