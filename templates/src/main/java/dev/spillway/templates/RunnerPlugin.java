package dev.spillway.templates;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A runner the command line can use beyond the DirectRunner and Flink runner of {@code
 * spillway.jar}, found through {@link java.util.ServiceLoader} in a jar that carries it: Beam's
 * Spark runner in {@code spillway-spark.jar} (module {@code templates-spark}), whose Spark logs
 * through slf4j 2 and so cannot share a jar with Flink 1.19's slf4j 1.7 binding.
 */
public interface RunnerPlugin {
  /** The name {@code --runner} takes: {@code spark}. */
  String name();

  /**
   * Sets {@code options} to run on this runner at {@code master} (a cluster's address, or a local
   * master such as {@code local[*]}) with {@code parallelism} (0: the runner's default).
   */
  void configure(PipelineOptions options, String master, int parallelism);

  /** Whether {@code options} run on this runner. */
  boolean runs(PipelineOptions options);

  /** Whether the job's engines run in this JVM (a local master), so its heap holds the budget. */
  boolean runsInThisJvm(PipelineOptions options);

  /** Where a job on a cluster shows its progress. */
  String monitoring(PipelineOptions options);

  /**
   * Makes a private temporary directory for a runner in this JVM and points the runner at it, or
   * returns null; the launcher deletes it when the job ends.
   */
  Path privateTemp(PipelineOptions options) throws IOException;
}
