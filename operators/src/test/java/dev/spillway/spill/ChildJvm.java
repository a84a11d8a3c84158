package dev.spillway.spill;

import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * A class's {@code main} run in a JVM of its own (with this test's class path), for tests whose
 * subject is a process ending (exit, halt) or a process limit ({@code ulimit}).
 */
final class ChildJvm {
  final long pid;
  final int exitCode;
  final String log;

  private ChildJvm(long pid, int exitCode, String log) {
    this.pid = pid;
    this.exitCode = exitCode;
    this.log = log;
  }

  /**
   * Runs {@code main} with {@code args} and waits for it (two minutes at most); {@code shellPrefix}
   * (say {@code "ulimit -n 64 &&"}) runs before it in bash when not empty.
   */
  static ChildJvm run(File logFile, String shellPrefix, Class<?> main, String... args)
      throws IOException, InterruptedException {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    StringBuilder command =
        new StringBuilder(shellPrefix)
            .append(" exec '")
            .append(java)
            // Its temporary files (lz4-java's native library, deleted only at a normal exit) go
            // beside its log, into the test's own folder: a halted child would leave them in /tmp.
            .append("' -Xmx256m -XX:-UsePerfData -Djava.io.tmpdir='")
            .append(logFile.getAbsoluteFile().getParent())
            .append("' -cp '")
            .append(System.getProperty("java.class.path"))
            .append("' '")
            .append(main.getName())
            .append("'");
    for (String a : args) {
      command.append(" '").append(a).append("'");
    }
    Process child =
        new ProcessBuilder("/bin/bash", "-c", command.toString())
            .redirectErrorStream(true)
            .redirectOutput(logFile)
            .start();
    assertTrue("the child finishes", child.waitFor(120, TimeUnit.SECONDS));
    Path log = logFile.toPath();
    return new ChildJvm(
        child.pid(), child.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }
}
