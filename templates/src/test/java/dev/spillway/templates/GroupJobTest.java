package dev.spillway.templates;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;

import dev.spillway.templates.workload.Generator;
import dev.spillway.templates.workload.Workload;
import dev.spillway.templates.workload.WorkloadFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The group job end to end, compared with the values of each key collected here. */
public class GroupJobTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void groupsTheSkewWorkloadWithAHotKeyLargerThanTheBudgetEncrypted() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("skew.csv");
    long records = 120_000;
    WorkloadFile.write(Workload.SKEW, records, 2_000, 42, in);
    Map<String, List<String>> model = new HashMap<>();
    for (long i = 0; i < records; i++) {
      long r = Generator.rand(42, i);
      model
          .computeIfAbsent(
              Long.toString(Generator.key(Workload.SKEW, r, 2_000)), k -> new ArrayList<>())
          .add(Integer.toString(Generator.value(r)));
    }
    Path spill = tmp.newFolder("spill").toPath();
    Path out = tmp.getRoot().toPath().resolve("groups.csv");

    Cli run =
        Cli.run(
                "group",
                "-i",
                in.toString(),
                "-o",
                out.toString(),
                "--key",
                "key",
                "--value",
                "value",
                "--separator",
                "|",
                "--memory",
                "128k",
                "--encrypt-spills",
                "--spill-dir",
                spill.toString(),
                "-q")
            .expect(0);

    assertEquals("key,value", Cli.lines(out).get(0));
    model.values().forEach(Collections::sort);
    assertEquals(model, groups(out));
    assertThat(AggregateJobTest.spills(run.stderr), greaterThan(0L));
    assertThat(Cli.contents(spill), empty());
  }

  /**
   * Values of 1 MiB and more under a 128 KiB budget: each is written to disk by itself and comes
   * out whole among its key's small values (such a value was refused, naming its size and the
   * budget, until 2026-12-06).
   */
  @Test
  public void valuesLargerThanTheBudgetAreGroupedWhole() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("large.csv");
    java.util.Random random = new java.util.Random(11);
    List<String> rows = new ArrayList<>(List.of("key,value"));
    Map<String, List<String>> model = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      String key = "k" + random.nextInt(500);
      String value =
          i % 5_000 == 2_500 ? "x".repeat(1 << 20) + i : Integer.toString(random.nextInt(1000));
      rows.add(key + "," + value);
      model.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    Files.write(in, rows, StandardCharsets.UTF_8);
    Path spill = tmp.newFolder("spill-large").toPath();
    Path out = tmp.getRoot().toPath().resolve("large-groups.csv");

    Cli.run(
            "group",
            "-i",
            in.toString(),
            "-o",
            out.toString(),
            "-k",
            "key",
            "-v",
            "value",
            "--separator",
            "|",
            "--memory",
            "128k",
            "--spill-dir",
            spill.toString(),
            "-q")
        .expect(0);

    model.values().forEach(Collections::sort);
    assertEquals(model, groups(out));
    assertThat(Cli.contents(spill), empty());
  }

  /**
   * A line too long for the heap beside the job's budget ends the job with exit 1 and a message
   * that names the heap, the budget's overhead and the longest line read (its size and where it
   * is), in a child JVM of 96 MiB where a 48 MiB line needs about 200.
   */
  @Test
  public void aLineTooLongForTheHeapIsNamedWhenTheHeapRunsOut() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("long-line.csv");
    StringBuilder head = new StringBuilder("key,value\n");
    for (int i = 0; i < 1_000; i++) {
      head.append("k").append(i % 10).append(',').append(i).append('\n');
    }
    long offset = head.length();
    try (var out = Files.newBufferedWriter(in, StandardCharsets.UTF_8)) {
      out.write(head.toString());
      out.write("big,");
      for (int i = 0; i < 48; i++) {
        out.write("y".repeat(1 << 20));
      }
      out.write("\nk1,2\n");
    }
    Path jvmTmp = tmp.newFolder("jvm-tmp").toPath();
    Path log = tmp.getRoot().toPath().resolve("long-line.log");
    int exit =
        Cli.runInChildJvm(
            "96m",
            jvmTmp,
            log,
            180,
            "group",
            "-i",
            in.toString(),
            "-o",
            tmp.getRoot().toPath().resolve("long-line-groups.csv").toString(),
            "-k",
            "key",
            "-v",
            "value",
            "--memory",
            "16m",
            "-q");
    String printed = Files.readString(log);
    assertEquals(printed, 1, exit);
    assertThat(printed, containsString("out of memory: this JVM's heap of 96 MiB"));
    assertThat(
        printed,
        containsString(
            String.format(
                Locale.ROOT,
                "its longest line, which so far is 48.0 MiB, at byte %,d of %s",
                offset,
                in)));
    assertThat(Cli.contents(jvmTmp), empty());
  }

  /** The job's output lines after the header, as each key's values (joined by "|"), sorted. */
  private static Map<String, List<String>> groups(Path out) throws java.io.IOException {
    List<String> lines = Cli.lines(out);
    Map<String, List<String>> grouped = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      int comma = line.indexOf(',');
      List<String> values = new ArrayList<>(List.of(line.substring(comma + 1).split("\\|")));
      Collections.sort(values);
      grouped.put(line.substring(0, comma), values);
    }
    return grouped;
  }

  @Test
  public void wholeLinesAreCollectedWhenNoValueColumnIsNamed() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("visits.csv");
    Files.write(
        in, List.of("user,page", "ann,/a", "bob,/b", "ann,\"/c,d\""), StandardCharsets.UTF_8);
    Path out = tmp.getRoot().toPath().resolve("by-user.csv");

    Cli.run("group", "-i", in.toString(), "-o", out.toString(), "-k", "user", "-q").expect(0);

    List<String> lines = Cli.lines(out);
    assertEquals("user,lines", lines.get(0));
    List<String> body = new ArrayList<>(lines.subList(1, lines.size()));
    Collections.sort(body);
    // ann's two lines, in either order, joined by ';' and quoted as one field.
    String ann = body.get(0);
    assertEquals(
        true,
        ann.equals("ann,\"ann,/a;ann,\"\"/c,d\"\"\"")
            || ann.equals("ann,\"ann,\"\"/c,d\"\";ann,/a\""));
    assertEquals("bob,\"bob,/b\"", body.get(1));
  }
}
