package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.nio.file.Path;

/**
 * Writes one spill: a file holding one segment per non-empty hash partition, in partition order.
 * Partitions must be asked for in ascending order ({@link KeyIndex#partitionOrder}).
 */
final class PartitionedSpillWriter {
  private final SpillOutput file;
  private final Layout layout;
  private final SegmentLocation[] segments;
  private SegmentWriter current;
  private int currentPartition = -1;

  PartitionedSpillWriter(EngineResources resources, int partitions, Layout layout) {
    this.layout = layout;
    this.segments = new SegmentLocation[partitions];
    this.file = resources.openSpill("spill");
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
      current = file.newSegment(layout, Order.ORDER_NONE);
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
      file.finish();
      return segments;
    } finally {
      close();
    }
  }

  /** Releases the file handle and buffer; deletes the file if it was not finished. */
  void close() {
    file.close();
  }
}
