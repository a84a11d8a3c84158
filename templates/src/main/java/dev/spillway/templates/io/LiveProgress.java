package dev.spillway.templates.io;

import java.util.concurrent.atomic.LongAdder;

/**
 * Records read so far by the readers running in this JVM, counted as they go. Beam's counters show
 * a bundle's figures only when it ends (a sort range reads the whole input in one bundle, and Flink
 * reports counters at the end of a job), so a job's progress lines read this where the job runs in
 * the launcher's JVM. Counts attempts: a retried bundle counts twice here, never in the summary,
 * which takes Beam's committed counters.
 */
public final class LiveProgress {
  private static final LongAdder RECORDS_READ = new LongAdder();

  private LiveProgress() {}

  public static void recordRead() {
    RECORDS_READ.increment();
  }

  /** The records read by every job of this JVM so far: subtract the value at a job's start. */
  public static long recordsRead() {
    return RECORDS_READ.sum();
  }
}
