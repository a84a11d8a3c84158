package dev.spillway.bench;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        SmallWorkloadRun.assertNothingLeftIn(temp, system);
      }
    }
  }

  /** Runs the workload at a small size; returns its key count and checksum. */
  private String checksum(Path temp, String workload, String system) throws Exception {
    List<String> launch =
        List.of(
            "-Xmx512m",
            "-cp",
            System.getProperty("java.class.path"),
            WorkloadRunner.class.getName());
    String out = SmallWorkloadRun.run(launch, temp, tmp.newFile().toPath(), workload, system, 120);
    if (system.endsWith("-flink")) {
      // The job's own time, as Flink reports it: positive, and within the wall clock around it.
      Matcher times = JOB_TIME.matcher(out);
      assertTrue(out, times.find());
      double job = Double.parseDouble(times.group(2));
      assertTrue(out, job > 0 && job <= Double.parseDouble(times.group(1)));
    }
    return SmallWorkloadRun.checksumOf(out);
  }
}
