package dev.spillway.transforms;

import dev.spillway.spill.SpillStats;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * Publishes an engine's {@link SpillStats} as Beam Metrics counters in namespace {@value
 * #NAMESPACE}: {@code spillCount}, {@code memoryBytesSpilled}, {@code diskBytesSpilled}, {@code
 * flushCount} (full tables sent on instead of spilled: {@link SpillOptions#withFlushedPartials}),
 * {@code largeRecords} (records larger than the budget, each written to disk by itself); where
 * partial results cross the shuffle through files, or are spooled to files by the merge step
 * ({@link SpooledMergeFn}), {@code shuffleFiles} and {@code shuffleFileBytes} (what the files take
 * on disk); and reads them back from a pipeline's result:
 *
 * <pre>{@code
 * PipelineResult result = pipeline.run();
 * result.waitUntilFinish();
 * long spills = SpillMetrics.total(result, SpillMetrics.SPILL_COUNT);
 * }</pre>
 */
public final class SpillMetrics {
  public static final String NAMESPACE = "spillway";
  public static final String SPILL_COUNT = "spillCount";
  public static final String MEMORY_BYTES_SPILLED = "memoryBytesSpilled";
  public static final String DISK_BYTES_SPILLED = "diskBytesSpilled";
  public static final String FLUSH_COUNT = "flushCount";
  public static final String LARGE_RECORDS = "largeRecords";
  public static final String SHUFFLE_FILES = "shuffleFiles";
  public static final String SHUFFLE_FILE_BYTES = "shuffleFileBytes";

  private final Counter spillCount = Metrics.counter(NAMESPACE, SPILL_COUNT);
  private final Counter memoryBytesSpilled = Metrics.counter(NAMESPACE, MEMORY_BYTES_SPILLED);
  private final Counter diskBytesSpilled = Metrics.counter(NAMESPACE, DISK_BYTES_SPILLED);
  private final Counter flushCount = Metrics.counter(NAMESPACE, FLUSH_COUNT);
  private final Counter largeRecords = Metrics.counter(NAMESPACE, LARGE_RECORDS);

  /** The value of one of spillway's counters, summed over every step that reports it. */
  public static long total(PipelineResult result, String counterName) {
    return total(result, NAMESPACE, counterName);
  }

  /**
   * The value of the counter {@code namespace:name}, summed over every step that reports it: the
   * committed value where the runner keeps one, else the attempted value (which, for a pipeline
   * that finished, counts retried bundles more than once). Throws {@link
   * UnsupportedOperationException} if the runner cannot query metrics at all.
   */
  public static long total(PipelineResult result, String namespace, String name) {
    long sum = 0;
    for (MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(namespace, name))
                    .build())
            .getCounters()) {
      Long committed = null;
      try {
        committed = c.getCommitted();
      } catch (UnsupportedOperationException e) {
        // the runner reports attempted values only
      }
      sum += committed != null ? committed : c.getAttempted();
    }
    return sum;
  }

  /** Adds an engine's figures to the counters (call from a DoFn, once per engine). */
  public void publish(SpillStats stats) {
    spillCount.inc(stats.spillCount());
    memoryBytesSpilled.inc(stats.memoryBytesSpilled());
    diskBytesSpilled.inc(stats.diskBytesSpilled());
    if (stats.flushes() > 0) {
      // Only where flushing is on: Beam's Flink source wrapper walks every metric cell of its
      // task after each record it reads (BENCHMARKS.md), so an unused counter is not free.
      flushCount.inc(stats.flushes());
    }
    if (stats.largeRecords() > 0) {
      largeRecords.inc(stats.largeRecords()); // rare: published only when it happened
    }
  }
}
