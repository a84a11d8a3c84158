package dev.spillway.spark;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.spillway.bench.SmallWorkloadRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The benchmarks' pipelines on Beam's Spark runner as {@code benchmarks/run-spark.sh} runs them
 * ({@code java -jar spillway-benchmarks-spark.jar}, {@code local[2]}), at a size small enough for
 * every build: spillway's transforms and Beam's built-ins give the fast in-memory baseline's
 * checksum, and no run leaves anything in {@code java.io.tmpdir}.
 */
public class SparkWorkloadsTest {
  /** The system properties naming the two benchmark jars (set by this module's build). */
  private static final String BENCHMARKS_JAR = "spillway-benchmarks.jar";

  private static final String SPARK_BENCHMARKS_JAR = "spillway-benchmarks-spark.jar";

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void theSparkSystemsGiveTheBaselinesChecksumAndLeaveNothingBehind() throws Exception {
    Path temp = tmp.newFolder("java-io-tmpdir").toPath();
    for (String workload : List.of("skew", "sort")) {
      String expected = checksum(temp, BENCHMARKS_JAR, workload, "in-memory");
      for (String system : List.of("spillway-spark", "beam-spark")) {
        assertEquals(
            workload + " on " + system,
            expected,
            checksum(temp, SPARK_BENCHMARKS_JAR, workload, system));
        SmallWorkloadRun.assertNothingLeftIn(temp, system);
      }
    }
  }

  /**
   * Runs the workload at a small size in the jar {@code jarProperty} names; its keys and checksum.
   */
  private String checksum(Path temp, String jarProperty, String workload, String system)
      throws Exception {
    String jar = System.getProperty(jarProperty);
    assertTrue("no " + jar + ": build the benchmarks first", Files.isRegularFile(Path.of(jar)));
    String out =
        SmallWorkloadRun.run(
            List.of("-Xmx768m", "-jar", jar), temp, tmp.newFile().toPath(), workload, system, 180);
    return SmallWorkloadRun.checksumOf(out);
  }
}
