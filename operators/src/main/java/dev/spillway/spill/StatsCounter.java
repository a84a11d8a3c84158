package dev.spillway.spill;

/** The mutable counters behind {@link SpillStats}; one per engine, shared by its levels. */
final class StatsCounter {
  long spillCount;
  long memoryBytesSpilled;
  long diskBytesSpilled;
  long repartitions;
  long sortedMerges;
  long mergeRounds;
  long flushes;
  long hotKeys;
  long largeRecords;

  SpillStats snapshot(long peakMemoryBytes) {
    return new SpillStats(
        spillCount,
        memoryBytesSpilled,
        diskBytesSpilled,
        peakMemoryBytes,
        repartitions,
        sortedMerges,
        mergeRounds,
        flushes,
        hotKeys,
        largeRecords);
  }
}
