package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands records from the task that produces them to the tasks that consume them through files: a
 * shuffle for runners whose workers share one file system (Spark's sort-less hash shuffle, in
 * spirit). A producer writes one file per non-empty partition, in the engine's spill format
 * (checksummed, compressed, optionally encrypted blocks); the consumer of a partition reads every
 * producer's file of it with {@link ExchangeReader}.
 *
 * <p>Each partition has a block buffer of its own. The writer takes all of them from the memory
 * pool as it starts and keeps them while it lives; nothing else is held, so a producer's memory
 * does not grow with what it writes, and a producer's flush never waits for memory. (Taking a
 * partition's buffer when the partition opened meant asking the pool in the middle of a flush,
 * while the producer's combiner held a full table; two producers doing so at once waited for each
 * other.) A producer that starts an engine beside its writer takes both in one request first:
 * {@link MemoryPool#admit}. Files are written under a temporary name and renamed by {@link
 * #finish()}: a producer that fails (or is retried) never leaves a file that looks complete. {@link
 * #close()} deletes what an unfinished writer wrote; finished files belong to the caller, who
 * deletes them when consumed.
 *
 * <pre>{@code
 * try (ExchangeWriter out = new ExchangeWriter(config, dir, "task-7", 8, null)) {
 *   out.add(ExchangeWriter.partitionOf(key, 0, key.length, 8), key, 0, key.length, v, 0, v.length);
 *   List<Path> files = out.finish(); // then hand each file to its partition's consumer
 * }
 * }</pre>
 */
public final class ExchangeWriter implements RecordSink, AutoCloseable {
  /** Not any seed of an engine's levels: a consumer's engine partitions its share evenly. */
  private static final long EXCHANGE_SEED = 0xE7C4_A96E_1D5B_3F27L;

  private static final int MAX_BLOCK = 64 << 10;
  private static final int MIN_BLOCK = 4 << 10;
  private static final int MIN_WRITER_BLOCK = 1 << 10;

  private final SpillConfig config;
  private final Path directory;
  private final String name;
  private final int blockBytes;
  private final MemoryReservation reservation;
  private final IoBuffers buffers;
  private final FrameCipher cipher;
  private final Path[] inProgress;
  private final SpillFileWriter[] files;
  private final SegmentWriter[] segments;
  private boolean finished;
  private boolean closed;

  /**
   * A writer of {@code partitions} files named {@code name-pNNNNN} in {@code directory}.
   *
   * @param key the exchange's key from {@link ExchangeKey#create()} when the exchange is encrypted,
   *     else null; producers and consumers share it
   */
  public ExchangeWriter(
      SpillConfig config, Path directory, String name, int partitions, ExchangeKey key) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be positive, was " + partitions);
    }
    this.config = config;
    this.directory = directory;
    this.name = name;
    this.cipher = key == null ? null : key.cipher();
    this.blockBytes = writerBlockBytes(config, partitions);
    this.buffers = new IoBuffers(config, blockBytes, partitions);
    long bytes = bufferBytes(config, partitions);
    long capacity = config.pool().capacity();
    if (bytes > capacity) {
      throw new IllegalArgumentException(
          "an exchange of "
              + partitions
              + " partitions needs "
              + bytes
              + " bytes of block buffers ("
              + bytes / partitions
              + " a partition), more than the memory budget of "
              + capacity
              + " bytes; raise the budget or use fewer partitions");
    }
    this.reservation = new MemoryReservation(config.pool(), blockBytes);
    try {
      reservation.reserve(bytes);
    } catch (RuntimeException e) {
      reservation.close();
      throw e;
    }
    this.inProgress = new Path[partitions];
    this.files = new SpillFileWriter[partitions];
    this.segments = new SegmentWriter[partitions];
  }

  /**
   * The raw bytes of a reader's block buffer: a 64th of the budget within [4 KiB, 64 KiB], so that
   * a consumer's buffer stays small beside its engine. No writer under the same budget writes
   * larger blocks.
   */
  static int blockBytes(SpillConfig config) {
    long block = config.pool().capacity() / 64;
    return (int) Math.max(MIN_BLOCK, Math.min(Math.min(MAX_BLOCK, config.maxBlockBytes()), block));
  }

  /**
   * The raw bytes of a writer's blocks: a reader's, or less where the writer's buffers (one per
   * partition, each a raw and a stored block) would take more than about a quarter of the budget,
   * down to 1 KiB, so that the producer's engine on the same thread still gets its floor.
   */
  static int writerBlockBytes(SpillConfig config, int partitions) {
    long fit = config.pool().capacity() / (8L * partitions);
    return (int) Math.max(MIN_WRITER_BLOCK, Math.min(blockBytes(config), fit));
  }

  /** The memory a writer of {@code partitions} takes as it starts and holds while it lives. */
  public static long bufferBytes(SpillConfig config, int partitions) {
    return partitions * SpillPlan.slotBytes(config, writerBlockBytes(config, partitions));
  }

  /** The partition of a key among {@code partitions}: the same in every JVM and run. */
  public static int partitionOf(byte[] key, int offset, int length, int partitions) {
    return HashPartitions.of(
        KeyHasher.DEFAULT.hash(key, offset, length, EXCHANGE_SEED), partitions);
  }

  /** Adds a record to the partition its key belongs to ({@link #partitionOf}). */
  @Override
  public void accept(
      byte[] key, int keyOffset, int keyLength, byte[] value, int valueOffset, int valueLength) {
    add(
        partitionOf(key, keyOffset, keyLength, segments.length),
        key,
        keyOffset,
        keyLength,
        value,
        valueOffset,
        valueLength);
  }

  /** Adds a record to {@code partition}. */
  public void add(
      int partition,
      byte[] key,
      int keyOffset,
      int keyLength,
      byte[] value,
      int valueOffset,
      int valueLength) {
    if (closed || finished) {
      throw new IllegalStateException(
          "the exchange writer " + name + " is " + (closed ? "closed" : "finished"));
    }
    SegmentWriter out = segments[partition];
    if (out == null) {
      out = open(partition);
    }
    out.append(key, keyOffset, keyLength, value, valueOffset, valueLength);
  }

  private SegmentWriter open(int partition) {
    Path path = directory.resolve(fileName(partition) + ".inprogress");
    try {
      Files.deleteIfExists(path); // a retried producer's
      Files.createFile(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make exchange file " + path + ": " + e, e);
    }
    inProgress[partition] = path;
    files[partition] = new SpillFileWriter(path, config.faults());
    segments[partition] =
        new SegmentWriter(
            files[partition],
            config.codec(),
            cipher,
            buffers.acquire(),
            blockBytes,
            Layout.LAYOUT_KEY_VALUE,
            Order.ORDER_NONE);
    return segments[partition];
  }

  private String fileName(int partition) {
    return String.format("%s-p%05d", name, partition);
  }

  /**
   * Writes what is buffered and renames every file to its final name; returns the file of each
   * partition, null for a partition that got no record.
   */
  public List<Path> finish() {
    if (finished || closed) {
      throw new IllegalStateException("finish() was called already or the writer is closed");
    }
    finished = true;
    List<Path> out = new ArrayList<>(segments.length);
    for (int p = 0; p < segments.length; p++) {
      if (segments[p] == null) {
        out.add(null);
        continue;
      }
      segments[p].finish();
      files[p].close();
      files[p] = null;
      Path done = directory.resolve(fileName(p));
      try {
        Files.move(
            inProgress[p],
            done,
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot rename exchange file " + inProgress[p] + ": " + e, e);
      }
      inProgress[p] = null;
      out.add(done);
    }
    return out;
  }

  /** Returns the buffers' memory; deletes the files of an unfinished writer. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      for (int p = 0; p < segments.length; p++) {
        if (files[p] != null) {
          files[p].close();
        }
        if (inProgress[p] != null) {
          try {
            Files.deleteIfExists(inProgress[p]);
          } catch (IOException e) {
            // the directory goes with its job; nothing else can be done here
          }
        }
      }
    } finally {
      reservation.close();
    }
  }
}
