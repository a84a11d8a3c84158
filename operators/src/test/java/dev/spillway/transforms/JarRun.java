package dev.spillway.transforms;

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
import java.util.stream.Stream;

/**
 * A command line's jar ({@code spillway.jar}, {@code spillway-spark.jar}) run as a user runs it, in
 * a child JVM. The runner modules name the jar through a system property their build sets, as the
 * modules that make the jars are built before them.
 */
public final class JarRun {
  private static final Pattern SPILLS = Pattern.compile("spilled ([\\d,]+) times");
  private static final long TIMEOUT_MINUTES = 5;

  private JarRun() {}

  /** {@link #run(String, String, Path, String, List, String...)} in a 256 MB heap. */
  public static List<String> run(
      String jarProperty, Path work, String label, List<String> job, String... more)
      throws IOException, InterruptedException {
    return run(jarProperty, "256m", work, label, job, more);
  }

  /**
   * Runs {@code java -Xmx<heap> -jar JAR} (JAR named by the system property {@code jarProperty})
   * with {@code job} and then {@code more} as arguments, its stdout and stderr in {@code
   * work/label.log}, its {@code java.io.tmpdir} a folder of its own; asserts that it exits with 0
   * and leaves nothing in that folder, and returns what it printed.
   */
  public static List<String> run(
      String jarProperty, String heap, Path work, String label, List<String> job, String... more)
      throws IOException, InterruptedException {
    String named = System.getProperty(jarProperty);
    assertTrue("no system property " + jarProperty + " names the jar to run", named != null);
    Path jar = Paths.get(named);
    assertTrue(
        "no " + jar.toAbsolutePath() + ": build the module that makes it first",
        Files.isRegularFile(jar));
    Path tmp = Files.createDirectories(work.resolve("tmp-" + label));
    List<String> command =
        new ArrayList<>(
            List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "-Djava.io.tmpdir=" + tmp,
                "-jar",
                jar.toString()));
    command.addAll(job);
    command.addAll(List.of(more));
    Path log = work.resolve(label + ".log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError(
          label + " did not finish in " + TIMEOUT_MINUTES + " minutes: " + Files.readString(log));
    }
    List<String> printed = Files.readAllLines(log);
    assertEquals(label + " exit code; it printed " + printed, 0, process.exitValue());
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(label + " left files in its temporary directory", List.of(), left.toList());
    }
    return printed;
  }

  /** The spills the job reported on its last line. */
  public static long spills(List<String> printed) {
    for (int i = printed.size() - 1; i >= 0; i--) {
      Matcher m = SPILLS.matcher(printed.get(i));
      if (m.find()) {
        return Long.parseLong(m.group(1).replace(",", ""));
      }
    }
    return 0;
  }
}
