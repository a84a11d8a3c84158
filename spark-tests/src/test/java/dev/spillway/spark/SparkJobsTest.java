package dev.spillway.spark;

import static org.junit.Assert.assertTrue;

import dev.spillway.transforms.JarRun;
import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SalesCsv;
import dev.spillway.transforms.SalesJobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The command line's jobs on Beam's Spark runner as a user runs them: {@code java -jar
 * spillway-spark.jar JOB … --runner spark --spark-master local[2]} in a JVM of its own, against
 * the same jar's DirectRunner over a realistic CSV.
 */
public class SparkJobsTest {
  /** The system property naming spillway-spark.jar (set by this module's build). */
  private static final String JAR = "spillway-spark.jar";

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /**
   * Each job's output on Spark equals its output on the DirectRunner ({@link
   * SalesJobs#assertSameOutput}); each spills at a 512 KiB budget; nothing is left in the spill
   * directory or in the JVM's {@code java.io.tmpdir} (Spark's block manager and scratch files
   * go to a directory of the job's, deleted with it).
   */
  @Test
  public void theJobsWriteOnSparkWhatTheyWriteOnTheDirectRunner() throws Exception {
    Path work = tmp.getRoot().toPath();
    Path in = work.resolve("sales.csv");
    SalesCsv.write(in, 40_000, 11);
    Path spill = Files.createDirectories(work.resolve("spill"));
    for (List<String> job : SalesJobs.JOBS) {
      String name = job.get(0);
      Path direct = work.resolve(name + "-direct.csv");
      Path spark = work.resolve(name + "-spark.csv");
      JarRun.run(JAR, work, name + "-direct", job, "-i", in.toString(), "-o", direct.toString(),
          "--memory", "1m", "--spill-dir", spill.toString());
      // Spark refuses to start a driver in less than about 450 MB of heap.
      List<String> printed = JarRun.run(JAR, "768m", work, name + "-spark", job,
          "-i", in.toString(), "-o", spark.toString(), "--memory", "512k",
          "--spill-dir", spill.toString(), "--runner", "spark", "--spark-master", "local[2]");
      assertTrue(name + " spilled nothing on Spark: " + printed, JarRun.spills(printed) > 0);
      SalesJobs.assertSameOutput(name, direct, spark);
      PipelineAsserts.assertEmpty(spill);
    }
  }
}
