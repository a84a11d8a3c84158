package dev.spillway.bench;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A run of a workload runner in a JVM of its own, as the batch scripts run one, at a size for every
 * build: 30,000 records over 3,000 keys and a 1 MiB budget, {@code java.io.tmpdir} in a folder of
 * the test's. Used by this module's tests and by the Spark tests (through this module's test jar,
 * so it needs nothing but the JDK and JUnit).
 */
public final class SmallWorkloadRun {
  private static final Pattern CHECKSUM =
      Pattern.compile("\"output_keys\": (\\d+), \"checksum\": \"(\\d+)\"");

  private SmallWorkloadRun() {}

  /**
   * Runs {@code java LAUNCH… --workload W … --system S} and returns what it printed on stdout,
   * failing the test if it does not end within {@code timeoutSeconds} or ends in error (its stderr,
   * kept in {@code log}, is the message).
   *
   * @param launch the JVM options and what to run, such as {@code -Xmx512m -jar JAR}
   */
  public static String run(
      List<String> launch, Path temp, Path log, String workload, String system, int timeoutSeconds)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Djava.io.tmpdir=" + temp);
    command.addAll(launch);
    command.addAll(
        List.of(
            "--workload",
            workload,
            "--records",
            "30000",
            "--keys",
            "3000",
            "--memory-mb",
            "1",
            "--system",
            system));
    Process run = new ProcessBuilder(command).redirectError(log.toFile()).start();
    String out = new String(run.getInputStream().readAllBytes());
    assertTrue(system + " did not finish", run.waitFor(timeoutSeconds, TimeUnit.SECONDS));
    assertEquals(Files.readString(log), 0, run.exitValue());
    return out;
  }

  /** The key count and checksum a run printed, as {@code "keys/checksum"}. */
  public static String checksumOf(String out) {
    Matcher m = CHECKSUM.matcher(out);
    assertTrue(out, m.find());
    return m.group(1) + "/" + m.group(2);
  }

  /** Fails unless {@code temp} is empty: what a run left there, named by {@code by}. */
  public static void assertNothingLeftIn(Path temp, String by) throws IOException {
    try (Stream<Path> left = Files.list(temp)) {
      assertEquals(
          "left in java.io.tmpdir by " + by,
          List.of(),
          left.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
    }
  }
}
