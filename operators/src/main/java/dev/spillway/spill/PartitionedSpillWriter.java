package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;

/**
 * Writes one spill: a file holding one segment per non-empty hash partition, in partition order,
 * each sorted by (hash, key). Entries must arrive in that order, which is the order of
 * {@link KeyIndex#sortByHash()}, since the partition is a monotone function of the hash.
 */
final class PartitionedSpillWriter {
  private final EngineResources resources;
  private final SpillFileWriter file;
  private final IoBuffers.Slot slot;
  private final Layout layout;
  private final long seed;
  private final SegmentLocation[] segments;
  private SegmentWriter current;
  private int currentPartition = -1;
  private boolean closed;

  PartitionedSpillWriter(EngineResources resources, int partitions, Layout layout, long seed) {
    this.resources = resources;
    this.layout = layout;
    this.seed = seed;
    this.segments = new SegmentLocation[partitions];
    this.file = resources.newFile("spill");
    this.slot = resources.buffers.acquire();
  }

  /** The partition of a hash: the top bits, scaled, so that it grows with the unsigned hash. */
  static int partitionOf(int hash, int partitions) {
    return (int) (((hash & 0xFFFFFFFFL) * partitions) >>> 32);
  }

  SegmentWriter writerFor(int hash) {
    int partition = partitionOf(hash, segments.length);
    if (partition != currentPartition) {
      if (partition < currentPartition) {
        throw new IllegalStateException("entries out of hash order");
      }
      finishSegment();
      currentPartition = partition;
      current = new SegmentWriter(file, resources.config.codec(), slot,
          resources.plan.blockBytes(), layout, Order.ORDER_HASH_THEN_KEY, seed);
    }
    return current;
  }

  private void finishSegment() {
    if (current != null) {
      segments[currentPartition] = current.finish();
      current = null;
    }
  }

  java.nio.file.Path path() {
    return file.path();
  }

  /** Completes the file; returns each partition's segment (null where it had no entries). */
  SegmentLocation[] finish() {
    try {
      finishSegment();
      resources.stats.diskBytesSpilled += file.position();
      return segments;
    } finally {
      close();
    }
  }

  /** Releases the file handle and buffers; a file that was not finished is left to the registry. */
  void close() {
    if (!closed) {
      closed = true;
      file.close();
      resources.buffers.release(slot);
    }
  }
}
