package dev.spillway.bench;

import dev.spillway.templates.workload.Checksum;

/**
 * What one system reports of one run, besides the time the runner measures around it. {@code
 * jobSeconds} is the job's own time, or 0 where it is not taken (the engine, the DirectRunner). On
 * a Flink cluster it is Flink's net runtime, from the job's submission to its end on the
 * JobManager: it leaves out the client's pipeline construction and translation, and the up to two
 * seconds Flink's REST client may wait between polls for the result (it backs off from 10 ms to 2
 * s). On Spark it runs from the pipeline's submission, with the Spark context already started, to
 * its end: it leaves out the context's start-up, which a job server or a notebook pays once. What
 * either leaves out is the same for every system, and none of it is a system's work. {@code
 * untimedSeconds} is time the run spent measuring itself (a forced collection to weigh its live
 * heap), which the runner takes out of the time it reports.
 */
record RunResult(
    long spills,
    long diskBytesSpilled,
    long memoryBytesSpilled,
    long peakMemoryBytes,
    Checksum checksum,
    double jobSeconds,
    double untimedSeconds) {
  RunResult(
      long spills,
      long diskBytesSpilled,
      long memoryBytesSpilled,
      long peakMemoryBytes,
      Checksum checksum,
      double jobSeconds) {
    this(spills, diskBytesSpilled, memoryBytesSpilled, peakMemoryBytes, checksum, jobSeconds, 0);
  }

  RunResult(
      long spills,
      long diskBytesSpilled,
      long memoryBytesSpilled,
      long peakMemoryBytes,
      Checksum checksum) {
    this(spills, diskBytesSpilled, memoryBytesSpilled, peakMemoryBytes, checksum, 0);
  }
}
