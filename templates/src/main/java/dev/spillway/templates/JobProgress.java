package dev.spillway.templates;

import dev.spillway.templates.io.JobMetrics;
import dev.spillway.templates.io.LiveProgress;
import dev.spillway.transforms.SpillMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.beam.sdk.PipelineResult;

/** Progress lines and the final summary of a job, from its Beam counters. */
final class JobProgress {
  private final PrintStream err;
  private final long startNanos;

  /** Null when the job runs in this JVM, else where its progress shows (a cluster's web UI). */
  private final String remote;

  /** False where the runner drops the source readers' counters: records read, lines skipped. */
  private final boolean readCountsReported;

  private final long liveReadAtStart = LiveProgress.recordsRead();

  JobProgress(PrintStream err, long startNanos, String remote, boolean readCountsReported) {
    this.err = err;
    this.startNanos = startNanos;
    this.remote = remote;
    this.readCountsReported = readCountsReported;
  }

  void print(PipelineResult result) {
    if (remote != null) {
      err.printf(
          Locale.ROOT,
          "[%s] running on the cluster; its progress shows at %s%n",
          elapsed(),
          remote);
      return;
    }
    long read =
        Math.max(
            counter(result, JobMetrics.NAMESPACE, JobMetrics.RECORDS_READ),
            LiveProgress.recordsRead() - liveReadAtStart);
    err.printf(
        Locale.ROOT,
        "[%s] read %,d records, %,d spills, %s spilled to disk%n",
        elapsed(),
        read,
        counter(result, SpillMetrics.NAMESPACE, SpillMetrics.SPILL_COUNT),
        bytes(counter(result, SpillMetrics.NAMESPACE, SpillMetrics.DISK_BYTES_SPILLED)));
  }

  void summary(PipelineResult result, Path output, boolean skipping) {
    long bad = counter(result, JobMetrics.NAMESPACE, JobMetrics.BAD_RECORDS);
    long size;
    try {
      size = Files.size(output);
    } catch (IOException e) {
      size = -1;
    }
    String read =
        readCountsReported
            ? String.format(
                Locale.ROOT,
                "read %,d records%s, ",
                counter(result, JobMetrics.NAMESPACE, JobMetrics.RECORDS_READ),
                skipping ? String.format(Locale.ROOT, ", skipped %,d bad", bad) : "")
            : "";
    err.printf(
        Locale.ROOT,
        "done in %s: %swrote %,d lines (%s) to %s; spilled %,d times, %s to disk%s%n",
        elapsed(),
        read,
        counter(result, JobMetrics.NAMESPACE, JobMetrics.RECORDS_WRITTEN),
        bytes(size),
        output,
        counter(result, SpillMetrics.NAMESPACE, SpillMetrics.SPILL_COUNT),
        bytes(counter(result, SpillMetrics.NAMESPACE, SpillMetrics.DISK_BYTES_SPILLED)),
        readCountsReported
            ? ""
            : " (Flink's DataStream translation reports no counts of records read"
                + (skipping
                    ? " or lines skipped; each reader prints its first skipped lines to its"
                        + " stderr)"
                    : ")"));
  }

  private String elapsed() {
    long s = (System.nanoTime() - startNanos) / 1_000_000_000L;
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  static String bytes(long n) {
    if (n < 0) {
      return "?";
    }
    if (n < 1 << 20) {
      return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
    }
    if (n < 1L << 30) {
      return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1 << 20));
    }
    return String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
  }

  static long counter(PipelineResult result, String namespace, String name) {
    try {
      return SpillMetrics.total(result, namespace, name);
    } catch (UnsupportedOperationException e) {
      return 0; // this runner does not report metrics while it runs
    }
  }
}
