package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The spills of one hash-partitioned engine (or one level of it): each spill a file with one
 * segment per non-empty partition. Writes a spill, finds a partition's segments across all spills,
 * and deletes the files once every partition is merged.
 */
final class SpillSet {
  private final EngineResources resources;
  private final int partitions;
  private final List<SegmentLocation[]> spills = new ArrayList<>();
  private final List<Path> files = new ArrayList<>();

  SpillSet(EngineResources resources, int partitions) {
    this.resources = resources;
    this.partitions = partitions;
  }

  /**
   * Writes one spill: {@code body} writes the records, partition by partition, to the writer it is
   * given; {@code freedBytes} is what the spill lets the engine free, for the statistics.
   */
  void write(Layout layout, long freedBytes, Consumer<PartitionedSpillWriter> body) {
    PartitionedSpillWriter writer = new PartitionedSpillWriter(resources, partitions, layout);
    try {
      body.accept(writer);
      spills.add(writer.finish());
      files.add(writer.path());
    } finally {
      writer.close();
    }
    resources.recordSpill(freedBytes);
  }

  /**
   * Writes one record as a spill of its own, in the partition of {@code hash}: a record no memory
   * could hold, taken after the spills of what came before it. Returns the record's segment.
   */
  SegmentLocation writeAlone(
      int hash, byte[] key, int kOff, int kLen, byte[] value, int vOff, int vLen) {
    int partition = HashPartitions.of(hash, partitions);
    write(
        Layout.LAYOUT_KEY_VALUE,
        0,
        writer -> writer.writerFor(partition).append(key, kOff, kLen, value, vOff, vLen));
    return spills.get(spills.size() - 1)[partition];
  }

  boolean isEmpty() {
    return spills.isEmpty();
  }

  /** The segments of {@code partition} in spill order, skipping spills where it was empty. */
  List<SegmentLocation> segmentsOf(int partition) {
    List<SegmentLocation> out = new ArrayList<>(spills.size());
    for (SegmentLocation[] spill : spills) {
      if (spill[partition] != null) {
        out.add(spill[partition]);
      }
    }
    return out;
  }

  /** Deletes every spill file (all partitions are merged). */
  void deleteFiles() {
    for (Path file : files) {
      resources.deleteFile(file);
    }
    files.clear();
    spills.clear();
  }
}
