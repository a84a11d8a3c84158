package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.nio.file.Path;
import java.util.Arrays;

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

  /**
   * Groups the indexes {@code 0..n-1} by the partition of {@code hashes[i]}, keeping their order
   * within each partition (a counting sort), into {@code order}; fills {@code starts} ({@code
   * partitions + 1} long) with where each partition begins.
   */
  static void partitionOrder(int[] hashes, int n, int partitions, int[] starts, int[] order) {
    Arrays.fill(starts, 0);
    for (int i = 0; i < n; i++) {
      starts[partitionOf(hashes[i], partitions) + 1]++;
    }
    for (int p = 0; p < partitions; p++) {
      starts[p + 1] += starts[p];
    }
    int[] next = Arrays.copyOf(starts, partitions);
    for (int i = 0; i < n; i++) {
      order[next[partitionOf(hashes[i], partitions)]++] = i;
    }
  }

  /** Writes one table entry into the segment of its partition. */
  @FunctionalInterface
  interface EntryWriter {
    void write(SegmentWriter out, int id);
  }

  /** Writes every entry of {@code index}, partition by partition, in memory order within each. */
  void writeEntries(KeyIndex index, EntryWriter entry) {
    int partitions = segments.length;
    int[] starts = new int[partitions + 1];
    int[] order = index.partitionOrder(partitions, starts);
    for (int p = 0; p < partitions; p++) {
      if (starts[p] == starts[p + 1]) {
        continue;
      }
      SegmentWriter out = writerFor(p);
      for (int i = starts[p]; i < starts[p + 1]; i++) {
        entry.write(out, order[i]);
      }
    }
  }

  SegmentWriter writerFor(int partition) {
    if (partition != currentPartition) {
      if (partition < currentPartition) {
        throw new IllegalStateException("partitions out of order");
      }
      finishSegment();
      currentPartition = partition;
      current = resources.newSegment(file, slot, layout, Order.ORDER_NONE);
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
