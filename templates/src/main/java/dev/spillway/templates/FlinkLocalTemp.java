package dev.spillway.templates;

import dev.spillway.templates.io.WorkDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A private temporary directory for a Flink cluster embedded in the job's process ({@code
 * --flink-master [local]}): Flink's mini cluster otherwise leaves its RPC jar (22 MB), its {@code
 * minicluster_*} directories and {@code flink-web-upload} in {@code java.io.tmpdir} after every
 * run. Its temporary and web directories are pointed here through a generated configuration
 * directory, and the whole of it is deleted when the job ends.
 */
public final class FlinkLocalTemp {
  private FlinkLocalTemp() {}

  /** Whether {@code options} run the job on a Flink cluster embedded in this process. */
  static boolean isEmbeddedFlink(PipelineOptions options) {
    if (options.getRunner() != FlinkRunner.class) {
      return false;
    }
    String master = options.as(FlinkPipelineOptions.class).getFlinkMaster();
    return "[local]".equals(master) || "[auto]".equals(master);
  }

  /**
   * Makes the directory and configures {@code options} to use it, if they run an embedded Flink
   * cluster and name no configuration directory of their own; else returns null.
   */
  static Path configure(PipelineOptions options) throws IOException {
    if (!isEmbeddedFlink(options)) {
      return null;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    if (flink.getFlinkConfDir() != null) {
      return null;
    }
    Path dir =
        Files.createTempDirectory(
            Paths.get(System.getProperty("java.io.tmpdir")), "spillway-flink-");
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Path web = Files.createDirectories(dir.resolve("web"));
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(
        conf.resolve("flink-conf.yaml"), "io.tmp.dirs: " + tmp + "\nweb.tmpdir: " + web + "\n");
    flink.setFlinkConfDir(conf.toString());
    return dir;
  }

  /**
   * As {@link #configure}, for a process that runs its pipelines until it exits (the benchmarks'
   * workload runner): the directory is deleted when the JVM exits.
   */
  public static void configureUntilExit(PipelineOptions options) throws IOException {
    Path dir = configure(options);
    if (dir != null) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      WorkDirectory.deleteRecursively(dir);
    } catch (IOException e) {
      // the JVM is exiting: a leftover is all that can happen
    }
  }
}
