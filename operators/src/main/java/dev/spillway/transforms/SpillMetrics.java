package dev.spillway.transforms;

import dev.spillway.spill.SpillStats;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * Publishes an engine's {@link SpillStats} as Beam Metrics counters in namespace {@value
 * #NAMESPACE}: {@code spillCount}, {@code memoryBytesSpilled}, {@code diskBytesSpilled}.
 */
final class SpillMetrics {
  static final String NAMESPACE = "spillway";

  private final Counter spillCount = Metrics.counter(NAMESPACE, "spillCount");
  private final Counter memoryBytesSpilled = Metrics.counter(NAMESPACE, "memoryBytesSpilled");
  private final Counter diskBytesSpilled = Metrics.counter(NAMESPACE, "diskBytesSpilled");

  void publish(SpillStats stats) {
    spillCount.inc(stats.spillCount());
    memoryBytesSpilled.inc(stats.memoryBytesSpilled());
    diskBytesSpilled.inc(stats.diskBytesSpilled());
  }
}
