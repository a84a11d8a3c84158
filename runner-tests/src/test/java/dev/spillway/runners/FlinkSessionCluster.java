package dev.spillway.runners;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * A real Flink 1.19 session cluster on this machine for tests: a JobManager ({@code
 * StandaloneSessionClusterEntrypoint}) and two TaskManagers ({@code TaskManagerRunner}), each a
 * separate JVM started from Flink's own entry points with this JVM's classpath (Flink's jars come
 * with Beam's Flink runner) and a generated configuration directory, REST and RPC on free loopback
 * ports. {@link #close()} stops every process it started, also when a test fails.
 *
 * <p>Started without Flink's shell scripts, a TaskManager needs {@code taskmanager.cpu.cores} and
 * explicit {@code taskmanager.memory.*} sizes; the TaskManagers' classpath already holds the tests'
 * classes, so the tests' jobs stage only an empty jar. Classes load child-first, Flink's default,
 * as on a cluster whose TaskManagers carry no Beam: a job jar of its own (the command line's) then
 * brings Beam's runner with it. Parent-first, Beam's classes came from the TaskManagers' classpath,
 * whose loader cannot see the job jar's classes, and Beam 2.62's DataStream translation failed to
 * deserialize a source split of the jar's own source ("ClassNotFoundException:
 * dev.spillway.templates.io.LineSource", in {@code SerdeUtils.deserializeObject}).
 */
final class FlinkSessionCluster implements AutoCloseable {
  private static final long START_TIMEOUT_SECONDS = 120;

  private final Path work;
  private final int restPort;
  private final List<Process> processes = new ArrayList<>();

  private FlinkSessionCluster(Path work, int restPort) {
    this.work = work;
    this.restPort = restPort;
  }

  /**
   * Starts a cluster whose two TaskManagers have {@code taskHeapMb} of task heap and one slot each,
   * with its files under {@code work}; returns once both TaskManagers have registered.
   */
  static FlinkSessionCluster start(Path work, int taskHeapMb)
      throws IOException, InterruptedException {
    FlinkSessionCluster cluster = new FlinkSessionCluster(work, freePort());
    try {
      cluster.launch(taskHeapMb);
      cluster.awaitTaskManagers(2);
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private void launch(int taskHeapMb) throws IOException {
    Path conf = Files.createDirectories(work.resolve("conf"));
    Path tmp = Files.createDirectories(work.resolve("tmp"));
    // Apart from the JVMs' java.io.tmpdir, as on a cluster whose TaskManagers spill to other disks.
    Path ioTmp = Files.createDirectories(ioTmpDir());
    Files.createDirectories(work.resolve("log"));
    Files.writeString(
        conf.resolve("flink-conf.yaml"),
        String.join(
            "\n",
            "jobmanager.rpc.address: localhost",
            "jobmanager.rpc.port: " + freePort(),
            "jobmanager.bind-host: localhost",
            "taskmanager.bind-host: localhost",
            "taskmanager.host: localhost",
            "rest.address: localhost",
            "rest.bind-address: localhost",
            "rest.port: " + restPort,
            "blob.server.port: " + freePort(),
            "taskmanager.rpc.port: 0",
            "taskmanager.data.port: 0",
            "taskmanager.numberOfTaskSlots: 1",
            "parallelism.default: 2",
            "classloader.resolve-order: child-first",
            "jobmanager.memory.process.size: 768m",
            "io.tmp.dirs: " + ioTmp,
            "web.tmpdir: " + tmp,
            "taskmanager.cpu.cores: 1",
            "taskmanager.memory.framework.heap.size: 128m",
            "taskmanager.memory.framework.off-heap.size: 128m",
            "taskmanager.memory.task.heap.size: " + taskHeapMb + "m",
            "taskmanager.memory.task.off-heap.size: 0m",
            "taskmanager.memory.managed.size: 128m",
            "taskmanager.memory.network.min: 128m",
            "taskmanager.memory.network.max: 128m",
            // Batch jobs of many steps: each blocking partition asks for 512 buffers by default.
            "taskmanager.network.sort-shuffle.min-buffers: 32",
            "taskmanager.memory.jvm-metaspace.size: 256m",
            "taskmanager.memory.jvm-overhead.min: 192m",
            "taskmanager.memory.jvm-overhead.max: 192m",
            ""));
    processes.add(
        java(
            "jm",
            512,
            "org.apache.flink.runtime.entrypoint" + ".StandaloneSessionClusterEntrypoint",
            conf));
    for (int i = 1; i <= 2; i++) {
      processes.add(
          java(
              "tm" + i,
              taskHeapMb + 128,
              "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
              conf));
    }
  }

  /** The TaskManagers' {@code io.tmp.dirs}, apart from their {@code java.io.tmpdir}. */
  Path ioTmpDir() {
    return work.resolve("io-tmp");
  }

  /** The TaskManagers' {@code java.io.tmpdir}. */
  Path javaTmpDir() {
    return work.resolve("tmp");
  }

  private Process java(String name, int heapMb, String mainClass, Path conf) throws IOException {
    List<String> command =
        List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "-Xmx" + heapMb + "m",
            // Flink logs nothing here (no slf4j binding): the JVM itself then says why it ended.
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.io.tmpdir=" + javaTmpDir(),
            "-cp",
            System.getProperty("java.class.path"),
            mainClass,
            "--configDir",
            conf.toString());
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(work.resolve("log").resolve(name + ".out").toFile())
        .start();
  }

  private void awaitTaskManagers(int count) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    String overview = "";
    while (System.nanoTime() < deadline) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "a Flink process exited with " + p.exitValue() + "; see " + work.resolve("log"));
        }
      }
      overview = get("/overview");
      if (overview.contains("\"taskmanagers\":" + count)) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        "the Flink cluster did not come up in "
            + START_TIMEOUT_SECONDS
            + " s (last overview: "
            + overview
            + "); see "
            + work);
  }

  private String get(String path) {
    try {
      HttpURLConnection c =
          (HttpURLConnection) new URL("http://localhost:" + restPort + path).openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      try (InputStream in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      return "";
    }
  }

  /** The body of a GET of the JobManager's REST API at {@code path} (empty if it fails). */
  String rest(String path) {
    return get(path);
  }

  /**
   * The last {@code count} lines of each of the cluster's process logs, each prefixed by its log's
   * name: what a failed job's processes said, read before the test's temporary folder goes.
   */
  String logTails(int count) throws IOException {
    StringBuilder tails = new StringBuilder();
    try (DirectoryStream<Path> logs = Files.newDirectoryStream(work.resolve("log"))) {
      for (Path log : logs) {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        for (String line : lines.subList(Math.max(0, lines.size() - count), lines.size())) {
          tails.append(log.getFileName()).append(": ").append(line).append('\n');
        }
      }
    }
    return tails.toString();
  }

  /** The JobManager's REST address, as {@code --flink-master} takes it. */
  String restAddress() {
    return "localhost:" + restPort;
  }

  /** Options that submit a pipeline to this cluster with parallelism 2. */
  FlinkPipelineOptions options() throws IOException {
    Path empty = work.resolve("empty.jar");
    if (!Files.exists(empty)) {
      try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(empty))) {
        // nothing: the TaskManagers' classpath has the tests' classes
      }
    }
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setFlinkMaster(restAddress());
    options.setParallelism(2);
    options.setFilesToStage(List.of(empty.toString()));
    return options;
  }

  /** Stops every process: SIGTERM, then SIGKILL for what has not stopped after 10 s. */
  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
