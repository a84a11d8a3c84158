package dev.spillway.transforms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.sdk.transforms.SerializableFunction;

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

  /**
   * A check of the processor's outputs: some group saw a spill directory in the runner's directory,
   * and none in {@code java.io.tmpdir}.
   */
  public static SerializableFunction<Iterable<String>, Void> onlyInTheRunnersDirectory() {
    return lines -> {
      Map<String, Integer> groups = new TreeMap<>();
      lines.forEach(line -> groups.merge(line, 1, Integer::sum));
      if (!groups.containsKey("runner") || groups.containsKey("java.io.tmpdir")) {
        throw new AssertionError("groups that saw each: " + groups);
      }
      return null;
    };
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
