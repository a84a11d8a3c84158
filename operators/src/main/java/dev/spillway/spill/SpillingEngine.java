package dev.spillway.spill;

/**
 * What every engine of this package offers its owner beyond its own API: statistics, and a {@link
 * #close()} that deletes every spill file and returns all memory (idempotent, no checked
 * exception).
 */
public interface SpillingEngine extends AutoCloseable {
  /**
   * The memory an engine that spills ({@link ExternalMerger}, {@link ExternalGroupBy}, {@link
   * ExternalSorter}) started now on {@code config} takes at once and holds while it lives: its
   * block buffers and a few pages (for {@link MemoryPool#admit}).
   */
  static long floorBytes(SpillConfig config) {
    return EngineResources.floorBytes(config, true);
  }

  SpillStats stats();

  @Override
  void close();
}
