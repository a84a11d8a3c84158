package dev.spillway.spill;

/**
 * What an engine did, for metrics: the names and meanings of Spark's task metrics.
 *
 * @param spillCount how many times in-memory data was written to disk
 * @param memoryBytesSpilled bytes of in-memory structures freed by those spills
 * @param diskBytesSpilled bytes written to spill files (after compression)
 * @param peakMemoryBytes the most bytes the engine counted as used at once
 * @param repartitions partitions merged by recursive repartitioning
 * @param sortedMerges partitions (or values of one key) merged by the sorted fallback
 * @param mergeRounds intermediate merge passes needed because more runs than the fan-in existed
 * @param flushes times a full table's entries were handed on instead of spilled ({@link
 *     ExternalMerger#flushWhenFull})
 * @param hotKeys keys whose values were gathered apart, spilling as they grew, so that their
 *     partition loaded into the table instead of being merged sorted ({@link ExternalGroupBy})
 * @param largeRecords records (or values) larger than the budget could hold, each written straight
 *     to a spill of its own
 */
public record SpillStats(
    long spillCount,
    long memoryBytesSpilled,
    long diskBytesSpilled,
    long peakMemoryBytes,
    long repartitions,
    long sortedMerges,
    long mergeRounds,
    long flushes,
    long hotKeys,
    long largeRecords) {

  public static final SpillStats EMPTY = new SpillStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** The sum of two engines' statistics (the peak is the larger one). */
  public SpillStats plus(SpillStats o) {
    return new SpillStats(
        spillCount + o.spillCount,
        memoryBytesSpilled + o.memoryBytesSpilled,
        diskBytesSpilled + o.diskBytesSpilled,
        Math.max(peakMemoryBytes, o.peakMemoryBytes),
        repartitions + o.repartitions,
        sortedMerges + o.sortedMerges,
        mergeRounds + o.mergeRounds,
        flushes + o.flushes,
        hotKeys + o.hotKeys,
        largeRecords + o.largeRecords);
  }
}
