package dev.spillway.transforms;

import dev.spillway.spill.SpillStats;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * Publishes an engine's {@link SpillStats} as Beam Metrics counters in namespace {@value
 * #NAMESPACE}: {@code spillCount}, {@code memoryBytesSpilled}, {@code diskBytesSpilled}.
 */
public final class SpillMetrics {
  public static final String NAMESPACE = "spillway";
  public static final String SPILL_COUNT = "spillCount";
  public static final String MEMORY_BYTES_SPILLED = "memoryBytesSpilled";
  public static final String DISK_BYTES_SPILLED = "diskBytesSpilled";

  private final Counter spillCount = Metrics.counter(NAMESPACE, SPILL_COUNT);
  private final Counter memoryBytesSpilled = Metrics.counter(NAMESPACE, MEMORY_BYTES_SPILLED);
  private final Counter diskBytesSpilled = Metrics.counter(NAMESPACE, DISK_BYTES_SPILLED);

  /** Adds an engine's figures to the counters (call from a DoFn, once per engine). */
  public void publish(SpillStats stats) {
    spillCount.inc(stats.spillCount());
    memoryBytesSpilled.inc(stats.memoryBytesSpilled());
    diskBytesSpilled.inc(stats.diskBytesSpilled());
  }
}
