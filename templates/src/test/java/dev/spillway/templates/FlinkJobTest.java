package dev.spillway.templates;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import dev.spillway.templates.workload.Generator;
import dev.spillway.templates.workload.Workload;
import dev.spillway.templates.workload.WorkloadFile;
import java.nio.file.Path;
import java.util.ArrayList;
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
    assertThat(assertSumsOnFlink(), containsString("read 30,000 records, wrote 1,000 lines"));
  }

  /** The same on Flink's DataStream translation of batch, in bundles as large as the input. */
  @Test
  public void aggregateRunsOnFlinksDataStreamTranslation() throws Exception {
    // Beam's Flink runner drops a source reader's counters there: the summary says so.
    assertThat(
        assertSumsOnFlink("--flink-datastream"),
        containsString("Flink's DataStream translation reports no counts of records read"));
  }

  /** Runs the aggregate on Flink with {@code more} arguments; checks it and returns its stderr. */
  private String assertSumsOnFlink(String... more) throws Exception {
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

    List<String> args =
        new ArrayList<>(
            List.of(
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
                "-q"));
    args.addAll(List.of(more));
    String stderr = Cli.run(args.toArray(new String[0])).expect(0).stderr;

    List<String> lines = Cli.lines(out);
    assertEquals("key,sum_value", lines.get(0));
    Map<String, Long> sums = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      sums.put(f[0], Long.parseLong(f[1]));
    }
    assertEquals(model, sums);
    return stderr;
  }
}
