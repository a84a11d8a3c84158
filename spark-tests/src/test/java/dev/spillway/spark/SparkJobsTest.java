package dev.spillway.spark;

import dev.spillway.transforms.SalesJobs;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The command line's jobs on Beam's Spark runner as a user runs them: {@code java -jar
 * spillway-spark.jar JOB … --runner spark --spark-master local[2]} in a JVM of its own, against the
 * same jar's DirectRunner over a realistic CSV.
 */
public class SparkJobsTest {
  /** The system property naming spillway-spark.jar (set by this module's build). */
  private static final String JAR = "spillway-spark.jar";

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /**
   * Each job's output on Spark equals its output on the DirectRunner ({@link
   * SalesJobs#assertSameOutput}); each spills at a 512 KiB budget; nothing is left in the spill
   * directory or in the JVM's {@code java.io.tmpdir} (Spark's block manager and scratch files go to
   * a directory of the job's, deleted with it).
   */
  @Test
  public void theJobsWriteOnSparkWhatTheyWriteOnTheDirectRunner() throws Exception {
    // Spark refuses to start a driver in less than about 450 MB of heap.
    SalesJobs.assertEachJobMatchesTheDirectRunner(
        JAR,
        tmp.getRoot().toPath(),
        11,
        "spark",
        "768m",
        "--runner",
        "spark",
        "--spark-master",
        "local[2]");
  }
}
