package dev.spillway.spark;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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

  private static final Pattern CHECKSUM =
      Pattern.compile("\"output_keys\": (\\d+), \"checksum\": \"(\\d+)\"");

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
        try (Stream<Path> left = Files.list(temp)) {
          assertEquals(
              "left in java.io.tmpdir by " + system,
              List.of(),
              left.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
        }
      }
    }
  }

  /**
   * Runs the workload at 30,000 records over 3,000 keys and a 1 MiB budget in a JVM of its own;
   * returns its key count and checksum.
   */
  private String checksum(Path temp, String jarProperty, String workload, String system)
      throws Exception {
    String jar = System.getProperty(jarProperty);
    assertTrue("no " + jar + ": build the benchmarks first", Files.isRegularFile(Path.of(jar)));
    List<String> command =
        List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx768m",
            "-Djava.io.tmpdir=" + temp,
            "-jar",
            jar,
            "--workload",
            workload,
            "--records",
            "30000",
            "--keys",
            "3000",
            "--memory-mb",
            "1",
            "--system",
            system);
    Path log = tmp.newFile().toPath();
    Process run = new ProcessBuilder(command).redirectError(log.toFile()).start();
    String out = new String(run.getInputStream().readAllBytes());
    assertTrue(system + " did not finish", run.waitFor(180, TimeUnit.SECONDS));
    assertEquals(Files.readString(log), 0, run.exitValue());
    Matcher m = CHECKSUM.matcher(out);
    assertTrue(out, m.find());
    return m.group(1) + "/" + m.group(2);
  }
}
