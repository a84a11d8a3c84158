package dev.spillway.templates;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.spillway.templates.cli.SpillwayCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Runs the {@code spillway} command line in this JVM and keeps what it printed on stderr. */
final class Cli {
  final int exitCode;
  final String stderr;

  private Cli(int exitCode, String stderr) {
    this.exitCode = exitCode;
    this.stderr = stderr;
  }

  static synchronized Cli run(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (PrintStream err = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      System.setErr(err);
      int code = SpillwayCommand.run(args);
      return new Cli(code, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }

  /** Fails unless the command exited with {@code code}; shows its stderr if not. */
  Cli expect(int code) {
    assertEquals("exit code; stderr:\n" + stderr, code, exitCode);
    return this;
  }

  /**
   * Starts the command line in a child JVM, as a user runs it: {@code java -Xmx<heap>
   * [-Djava.io.tmpdir=<tmpdir>] -cp <this JVM's class path> SpillwayCommand args}, what it prints
   * going to {@code log}. {@code tmpdir} null keeps the default temporary directory.
   */
  static Process start(String heap, Path tmpdir, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    if (tmpdir != null) {
      command.add("-Djava.io.tmpdir=" + tmpdir);
    }
    command.addAll(
        List.of("-cp", System.getProperty("java.class.path"), SpillwayCommand.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /**
   * {@link #start}, then waits for it: fails (and kills it) if it runs longer than {@code
   * timeoutSeconds}; returns its exit code.
   */
  static int runInChildJvm(String heap, Path tmpdir, Path log, long timeoutSeconds, String... args)
      throws IOException, InterruptedException {
    Process job = start(heap, tmpdir, log, args);
    try {
      assertTrue("finished in time", job.waitFor(timeoutSeconds, TimeUnit.SECONDS));
      return job.exitValue();
    } finally {
      job.destroyForcibly();
    }
  }

  /** The lines of a file, the header first. */
  static List<String> lines(Path file) throws IOException {
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  /** What is in {@code dir} (recursively), as relative paths: empty means nothing was left. */
  static List<String> contents(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(p -> !p.equals(dir))
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .collect(Collectors.toList());
    }
  }
}
