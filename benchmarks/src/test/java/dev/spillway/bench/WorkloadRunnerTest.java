package dev.spillway.bench;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The workload runner as a script runs it, in a child JVM: the engine under a budget small enough
 * to spill and the pipelines on an embedded Flink cluster give the fast in-memory baseline's
 * checksum, and no run leaves anything in {@code java.io.tmpdir} (an embedded Flink cluster had
 * left {@code flink-web-upload} there).
 */
public class WorkloadRunnerTest {
  private static final Pattern CHECKSUM =
      Pattern.compile("\"output_keys\": (\\d+), \"checksum\": \"(\\d+)\"");
  private static final Pattern JOB_TIME =
      Pattern.compile("\"seconds\": ([\\d.]+),.*\"job_seconds\": ([\\d.]+)");

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void everySystemGivesTheBaselinesChecksumAndLeavesNothingInTheTemporaryDirectory()
      throws Exception {
    Path temp = tmp.newFolder("java-io-tmpdir").toPath();
    for (String workload : List.of("skew", "sort")) {
      String expected = checksum(temp, workload, "in-memory");
      for (String system : List.of("spillway", "spillway-flink", "beam-flink")) {
        assertEquals(workload + " on " + system, expected, checksum(temp, workload, system));
        try (Stream<Path> left = Files.list(temp)) {
          assertEquals(
              "left in java.io.tmpdir by " + system,
              List.of(),
              left.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
        }
      }
    }
  }

  /** Runs the workload at 30,000 records and a 1 MiB budget; returns its key count and checksum. */
  private String checksum(Path temp, String workload, String system) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Djava.io.tmpdir=" + temp,
                "-cp",
                System.getProperty("java.class.path"),
                WorkloadRunner.class.getName(),
                "--workload",
                workload,
                "--records",
                "30000",
                "--keys",
                "3000",
                "--memory-mb",
                "1",
                "--system",
                system));
    Path log = tmp.newFile().toPath();
    Process run = new ProcessBuilder(command).redirectError(log.toFile()).start();
    String out = new String(run.getInputStream().readAllBytes());
    assertTrue(system + " did not finish", run.waitFor(120, TimeUnit.SECONDS));
    assertEquals(Files.readString(log), 0, run.exitValue());
    Matcher m = CHECKSUM.matcher(out);
    assertTrue(out, m.find());
    if (system.endsWith("-flink")) {
      // The job's own time, as Flink reports it: positive, and within the wall clock around it.
      Matcher times = JOB_TIME.matcher(out);
      assertTrue(out, times.find());
      double job = Double.parseDouble(times.group(2));
      assertTrue(out, job > 0 && job <= Double.parseDouble(times.group(1)));
    }
    return m.group(1) + "/" + m.group(2);
  }
}
