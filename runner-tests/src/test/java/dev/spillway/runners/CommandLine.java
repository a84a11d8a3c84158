package dev.spillway.runners;

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
 * The command line's jar ({@code templates/target/spillway.jar}, built by the templates module
 * before this one) run as a user runs it, in a child JVM.
 */
final class CommandLine {
  private static final Pattern SPILLS = Pattern.compile("spilled ([\\d,]+) times");
  private static final long TIMEOUT_MINUTES = 5;

  private CommandLine() {}

  /**
   * Runs {@code java -jar spillway.jar} with {@code job} and then {@code more} as arguments,
   * its stdout and stderr in {@code work/label.log}, its {@code java.io.tmpdir} a folder of its
   * own; asserts that it exits with 0 and leaves nothing in that folder, and returns what it
   * printed.
   */
  static List<String> run(Path work, String label, List<String> job, String... more)
      throws IOException, InterruptedException {
    Path jar = Paths.get(System.getProperty("spillway.jar", "../templates/target/spillway.jar"));
    assertTrue("no " + jar.toAbsolutePath() + ": build the templates module first",
        Files.isRegularFile(jar));
    Path tmp = Files.createDirectories(work.resolve("tmp-" + label));
    List<String> command = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-Djava.io.tmpdir=" + tmp, "-jar", jar.toString()));
    command.addAll(job);
    command.addAll(List.of(more));
    Path log = work.resolve(label + ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError(label + " did not finish in " + TIMEOUT_MINUTES + " minutes: "
          + Files.readString(log));
    }
    List<String> printed = Files.readAllLines(log);
    assertEquals(label + " exit code; it printed " + printed, 0, process.exitValue());
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(label + " left files in its temporary directory", List.of(), left.toList());
    }
    return printed;
  }

  /** The spills the job reported on its last line. */
  static long spills(List<String> printed) {
    for (int i = printed.size() - 1; i >= 0; i--) {
      Matcher m = SPILLS.matcher(printed.get(i));
      if (m.find()) {
        return Long.parseLong(m.group(1).replace(",", ""));
      }
    }
    return 0;
  }
}
