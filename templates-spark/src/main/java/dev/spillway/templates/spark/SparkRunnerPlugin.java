package dev.spillway.templates.spark;

import dev.spillway.templates.RunnerPlugin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.beam.runners.spark.SparkPipelineOptions;
import org.apache.beam.runners.spark.SparkRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * {@code --runner spark}: the jobs on Beam's Spark runner. A local master ({@code local[N]}) runs
 * Spark in this process, whose heap then holds the budget; {@code spark://HOST:PORT} submits to a
 * cluster, where {@code --memory} is each executor's budget.
 */
public final class SparkRunnerPlugin implements RunnerPlugin {
  @Override
  public String name() {
    return "spark";
  }

  @Override
  public void configure(PipelineOptions options, String master, int parallelism) {
    SparkPipelineOptions spark = options.as(SparkPipelineOptions.class);
    spark.setRunner(SparkRunner.class);
    spark.setSparkMaster(
        parallelism > 0 && master.equals("local[*]") ? "local[" + parallelism + "]" : master);
  }

  @Override
  public boolean runs(PipelineOptions options) {
    return options.getRunner() == SparkRunner.class;
  }

  @Override
  public boolean runsInThisJvm(PipelineOptions options) {
    return options.as(SparkPipelineOptions.class).getSparkMaster().startsWith("local");
  }

  @Override
  public String monitoring(PipelineOptions options) {
    return "Spark's web UI (this driver's port 4040, or the master's at "
        + options.as(SparkPipelineOptions.class).getSparkMaster()
        + ")";
  }

  /**
   * For a local master: Spark's block manager and scratch directories ({@code spark.local.dir}) in
   * a directory of the job's, and no web UI (a one-off job's UI would only take a port). Spark
   * reads {@code spark.*} system properties into the configuration it starts with.
   */
  @Override
  public Path privateTemp(PipelineOptions options) throws IOException {
    if (!runsInThisJvm(options)) {
      return null;
    }
    Path dir =
        Files.createTempDirectory(
            Paths.get(System.getProperty("java.io.tmpdir")), "spillway-spark-");
    System.setProperty("spark.local.dir", dir.toString());
    System.setProperty("spark.ui.enabled", "false");
    return dir;
  }
}
