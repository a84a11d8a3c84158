package dev.spillway.transforms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/**
 * For tests of where the engines spill by default: reads each group, then outputs {@code "runner"}
 * if the runner's temporary directory holds a spillway spill directory just then, and {@code
 * "java.io.tmpdir"} if that one does. A group's engine has its spill directory while the group is
 * processed.
 */
public final class SpillDirectoriesSeen<K, V> extends GroupProcessor<K, V, String> {
  private final String runnerTmp;
  private final String javaTmp;

  public SpillDirectoriesSeen(Path runnerTmp, Path javaTmp) {
    this.runnerTmp = runnerTmp.toString();
    this.javaTmp = javaTmp.toString();
  }

  @Override
  public void process(K key, Iterable<V> values, Context<String> c) throws IOException {
    values.forEach(v -> {});
    if (holdsSpillDirectory(Paths.get(runnerTmp))) {
      c.output("runner");
    }
    if (holdsSpillDirectory(Paths.get(javaTmp))) {
      c.output("java.io.tmpdir");
    }
  }

  /** Whether {@code dir} holds a spillway spill directory. */
  public static boolean holdsSpillDirectory(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.anyMatch(e -> e.getFileName().toString().startsWith("spillway-"));
    }
  }

  /** Waits up to 30 s until {@code dir}, which the runner also uses, holds no spill directory. */
  public static void awaitNone(Path dir) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (holdsSpillDirectory(dir)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("a spill directory stayed in " + dir);
      }
      Thread.sleep(100);
    }
  }
}
