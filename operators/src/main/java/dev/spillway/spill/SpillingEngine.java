package dev.spillway.spill;

/**
 * What every engine of this package offers its owner beyond its own API: statistics, and a {@link
 * #close()} that deletes every spill file and returns all memory (idempotent, no checked
 * exception).
 */
public interface SpillingEngine extends AutoCloseable {
  SpillStats stats();

  @Override
  void close();
}
