package dev.spillway.templates;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The output is never a device or pipe replaced by a file, and no work directory stays beside it:
 * not after a SIGTERM, and not after a SIGKILL once the next job has run.
 */
public class OutputAndWorkDirectoryTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();
  private Path dir;
  private Path in;
  private Path out;

  @Before
  public void input() throws Exception {
    dir = tmp.getRoot().toPath();
    in = dir.resolve("in.csv");
    Files.write(in, List.of("k,v", "a,1", "b,2", "a,3"), StandardCharsets.UTF_8);
    out = dir.resolve("out.csv");
  }

  private List<String> workDirectories() throws Exception {
    try (Stream<Path> all = Files.list(dir)) {
      return all.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(".spillway-"))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  @Test
  public void aPipeOrDeviceAsOutputIsRefusedAndLeftAsItIs() throws Exception {
    Path fifo = dir.resolve("pipe");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    for (Path target : List.of(fifo, Paths.get("/dev/null"))) {
      Cli run =
          Cli.run(
                  "aggregate",
                  "-i",
                  in.toString(),
                  "-o",
                  target.toString(),
                  "-g",
                  "k",
                  "-a",
                  "count",
                  "-q")
              .expect(2);
      assertThat(run.stderr, containsString("is not a regular file"));
      assertTrue(Files.exists(target));
      assertFalse(target + " was replaced by a file", Files.isRegularFile(target));
    }
  }

  @Test
  public void workDirectoriesOfDeadProcessesAreRemovedByTheNextJob() throws Exception {
    long dead = 999_999_999L;
    while (ProcessHandle.of(dead).isPresent()) {
      dead--;
    }
    Path stale = dir.resolve(".spillway-out.csv-" + dead + "-" + UUID.randomUUID());
    Files.createDirectories(stale);
    Files.writeString(stale.resolve("part-0"), "a half-written part\n");
    Path live =
        dir.resolve(".spillway-out.csv-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
    Files.createDirectories(live);
    Path unrelated = dir.resolve(".spillway-other.csv-" + dead + "-" + UUID.randomUUID());
    Files.createDirectories(unrelated);

    Cli run =
        Cli.run(
                "aggregate",
                "-i",
                in.toString(),
                "-o",
                out.toString(),
                "-g",
                "k",
                "-a",
                "count",
                "-q")
            .expect(0);
    assertThat(run.stderr, containsString("removed " + stale));
    assertFalse(Files.exists(stale));
    assertTrue("a running process's directory is kept", Files.exists(live));
    assertTrue("another output's directory is not this job's to sweep", Files.exists(unrelated));
  }

  @Test
  public void aJobEndedBySigtermLeavesNoWorkDirectory() throws Exception {
    Path big = dir.resolve("big.csv");
    Cli.run("generate", "--workload", "combine", "--records", "3000000", "-o", big.toString())
        .expect(0);
    Process job =
        Cli.start(
            "512m",
            null,
            dir.resolve("job.log"),
            "aggregate",
            "-i",
            big.toString(),
            "-o",
            out.toString(),
            "-g",
            "key",
            "-a",
            "sum:value",
            "--memory",
            "16m");
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (workDirectories().isEmpty() && job.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue("the job made its work directory while running", job.isAlive());
      Thread.sleep(500);
      job.destroy(); // SIGTERM
      assertTrue(job.waitFor(60, TimeUnit.SECONDS));
    } finally {
      job.destroyForcibly();
    }
    assertEquals(List.of(), workDirectories());
    assertFalse(Files.exists(out));
  }

  @Test
  public void generatedDataFilesAreReadableByOthersAsTheUmaskAllows() throws Exception {
    Path data = dir.resolve("data.csv");
    Cli.run("generate", "--workload", "group", "--records", "100", "-o", data.toString()).expect(0);
    Path plain = Files.createFile(dir.resolve("plain"));
    assertEquals(
        "the same permissions as any new file",
        Files.getPosixFilePermissions(plain),
        Files.getPosixFilePermissions(data));
  }

  /**
   * Nothing of spillway's or its libraries' stays in the temporary directory after a run, on the
   * DirectRunner or an embedded Flink cluster (which had left its 22 MB RPC jar, minicluster_* and
   * flink-web-upload there), including lz4-java's native library.
   */
  @Test
  public void runsLeaveNothingInTheTemporaryDirectory() throws Exception {
    Path temp = tmp.newFolder("java-io-tmpdir").toPath();
    for (List<String> runner :
        List.of(List.<String>of(), List.of("--runner", "flink", "--flink-master", "[local]"))) {
      List<String> args =
          new java.util.ArrayList<>(
              List.of(
                  "aggregate",
                  "-i",
                  in.toString(),
                  "-o",
                  out.toString(),
                  "-g",
                  "k",
                  "-a",
                  "sum:v",
                  "--memory",
                  "64k",
                  "-q"));
      args.addAll(runner);
      Path log = dir.resolve("job.log");
      int exit = Cli.runInChildJvm("512m", temp, log, 120, args.toArray(new String[0]));
      assertEquals(Files.readString(log), 0, exit);
      try (Stream<Path> left = Files.list(temp)) {
        assertEquals(
            "left in java.io.tmpdir by " + runner,
            List.of(),
            left.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
      }
    }
  }
}
