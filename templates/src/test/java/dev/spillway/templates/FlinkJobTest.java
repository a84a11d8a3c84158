package dev.spillway.templates;

import static org.junit.Assert.assertEquals;

import dev.spillway.templates.workload.Generator;
import dev.spillway.templates.workload.Workload;
import dev.spillway.templates.workload.WorkloadFile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A job on Beam's Flink runner in its embedded local mode, through the command line. */
public class FlinkJobTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aggregateRunsOnTheFlinkRunner() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("combine.csv");
    WorkloadFile.write(Workload.COMBINE, 30_000, 1_000, 42, in);
    Map<String, Long> model = new HashMap<>();
    for (long i = 0; i < 30_000; i++) {
      long r = Generator.rand(42, i);
      model.merge(
          Long.toString(Generator.key(Workload.COMBINE, r, 1_000)),
          (long) Generator.value(r),
          Long::sum);
    }
    Path out = tmp.getRoot().toPath().resolve("sums.csv");

    Cli.run(
            "aggregate",
            "-i",
            in.toString(),
            "-o",
            out.toString(),
            "-g",
            "key",
            "-a",
            "sum:value",
            "--memory",
            "256k",
            "--runner",
            "flink",
            "--flink-master",
            "[local]",
            "--parallelism",
            "2",
            "-q")
        .expect(0);

    List<String> lines = Cli.lines(out);
    assertEquals("key,sum_value", lines.get(0));
    Map<String, Long> sums = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      sums.put(f[0], Long.parseLong(f[1]));
    }
    assertEquals(model, sums);
  }
}
