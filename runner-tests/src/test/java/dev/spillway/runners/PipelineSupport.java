package dev.spillway.runners;

import dev.spillway.transforms.SpillOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Helpers for pipeline tests: small budgets, private spill directories, metrics. */
final class PipelineSupport {
  private PipelineSupport() {}

  /**
   * Turns off the DirectRunner's immutability and encodability checks for {@code p}: they encode,
   * copy and compare every element at every step, two thirds of a scenario suite's time. Every
   * windowing through the runner's shuffle (where spillway's blocks are elements the checks watch
   * too) and the transforms' own tests keep them; the suites that run the same steps again, through
   * files or in more combinations, go without.
   */
  static void withoutDirectRunnerChecks(Pipeline p) {
    DirectOptions direct = p.getOptions().as(DirectOptions.class);
    direct.setEnforceImmutability(false);
    direct.setEnforceEncodability(false);
  }

  /** Flink's embedded local mode with two parallel subtasks. */
  static FlinkPipelineOptions localFlink() {
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setFlinkMaster("[local]");
    options.setParallelism(2);
    options.setFlinkConfDir(LocalFlinkTemp.CONF.toString());
    return options;
  }

  /**
   * {@link #localFlink()} with {@code extraConfiguration} (flink-conf.yaml lines) in a
   * configuration directory of its own, made in {@code confDir}; Flink's temporary directories stay
   * private.
   */
  static FlinkPipelineOptions localFlink(Path confDir, String extraConfiguration)
      throws IOException {
    Files.writeString(
        confDir.resolve("flink-conf.yaml"),
        Files.readString(LocalFlinkTemp.CONF.resolve("flink-conf.yaml")) + extraConfiguration);
    FlinkPipelineOptions options = localFlink();
    options.setFlinkConfDir(confDir.toString());
    return options;
  }

  /**
   * A private temporary directory for the embedded Flink clusters of this JVM's tests, deleted when
   * the JVM exits: Flink otherwise leaves {@code flink-web-upload} (and its RPC jar) in {@code
   * java.io.tmpdir}. Pointed to by a generated configuration directory, which also gives the
   * clusters more network buffers.
   */
  private static final class LocalFlinkTemp {
    static final Path CONF;

    static {
      try {
        Path root = Files.createTempDirectory("spillway-runner-tests-flink-");
        Path conf = Files.createDirectories(root.resolve("conf"));
        Files.writeString(
            conf.resolve("flink-conf.yaml"),
            "io.tmp.dirs: "
                + Files.createDirectories(root.resolve("tmp"))
                + "\n"
                + "web.tmpdir: "
                + Files.createDirectories(root.resolve("web"))
                + "\n"
                // Twice Flink's 64 MiB default of network buffers: the windowing tests' jobs hold
                // dozens of shuffles, and one fresh-clone CI run failed with "Insufficient number
                // of network buffers: required 2, but only 1 available" of 2048.
                + "taskmanager.memory.network.min: 128m\n"
                + "taskmanager.memory.network.max: 128m\n");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root)));
        CONF = conf;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * Flink's own shutdown hooks delete their directories under {@code root} at the same time, and
     * a walk that meets a file they just deleted fails: walk again, a few times (one such failure
     * left the whole directory in one run of a test class).
     */
    private static void deleteQuietly(Path root) {
      for (int attempt = 0; attempt < 20 && Files.exists(root); attempt++) {
        try (Stream<Path> all = Files.walk(root)) {
          all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
          // a file deleted under the walk by another hook: the next attempt walks what is left
        }
        if (Files.exists(root)) {
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  /** A small budget, so that small inputs spill; spill files go to {@code dir}. */
  static SpillOptions smallBudget(Path dir, long bytes) {
    return SpillOptions.create()
        .withMemoryBudgetBytes(bytes)
        .withSpillDirectories(List.of(dir.toString()));
  }
}
