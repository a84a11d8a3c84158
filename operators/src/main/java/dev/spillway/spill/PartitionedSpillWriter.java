package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.nio.file.Path;

/**
 * Writes one spill: a file holding one segment per non-empty hash partition, in partition order.
 * Partitions must be asked for in ascending order ({@link KeyIndex#partitionOrder}).
 */
final class PartitionedSpillWriter {
  private final EngineResources resources;
  private final SpillFileWriter file;
  private final IoBuffers.Slot slot;
  private final Layout layout;
  private final SegmentLocation[] segments;
  private SegmentWriter current;
  private int currentPartition = -1;
  private boolean closed;

  PartitionedSpillWriter(EngineResources resources, int partitions, Layout layout) {
    this.resources = resources;
    this.layout = layout;
    this.segments = new SegmentLocation[partitions];
    this.file = resources.newFile("spill");
    this.slot = resources.buffers.acquire();
  }

  /** The partition of a hash: its unsigned value scaled to [0, partitions). */
  static int partitionOf(int hash, int partitions) {
    return (int) (((hash & 0xFFFFFFFFL) * partitions) >>> 32);
  }

  SegmentWriter writerFor(int partition) {
    if (partition != currentPartition) {
      if (partition < currentPartition) {
        throw new IllegalStateException("partitions out of order");
      }
      finishSegment();
      currentPartition = partition;
      current = new SegmentWriter(file, resources.config.codec(), slot,
          resources.plan.blockBytes(), layout, Order.ORDER_NONE);
    }
    return current;
  }

  private void finishSegment() {
    if (current != null) {
      segments[currentPartition] = current.finish();
      current = null;
    }
  }

  Path path() {
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
