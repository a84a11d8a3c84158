package dev.spillway.templates;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import dev.spillway.templates.io.Csv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The jobs' shuffle through files (the default on the DirectRunner): the same output as the
 * runner's shuffle and as a model, spilling on both sides at tiny budgets, nothing left behind; and
 * a job over many more keys than the heap holds completes in a small heap.
 */
public class FileShuffleTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aggregateGivesWhatTheRunnersShuffleGivesOnARealisticFile() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("sales.csv");
    SalesFile model = SalesFile.write(in, 30_000, 7);
    Path spill = tmp.newFolder("spill").toPath();
    List<List<String>> outputs = new ArrayList<>();
    for (String shuffle : List.of("files", "runner")) {
      Path out = tmp.getRoot().toPath().resolve("out-" + shuffle + "/sums.csv");
      Cli run =
          Cli.run(
                  "aggregate",
                  "-i",
                  in.toString(),
                  "-o",
                  out.toString(),
                  "-g",
                  "country,city",
                  "-a",
                  "sum:qty,count,min:amount,max:amount,mean:amount",
                  "--memory",
                  "256k",
                  "--spill-dir",
                  spill.toString(),
                  "--shuffle",
                  shuffle,
                  "-q")
              .expect(0);
      assertThat(shuffle + " spills", AggregateJobTest.spills(run.stderr), greaterThan(0L));
      assertThat(Cli.contents(spill), empty());
      assertEquals(List.of("sums.csv"), Cli.contents(out.getParent()));
      List<String> lines = Cli.lines(out);
      assertEquals("country,city,sum_qty,count,min_amount,max_amount,mean_amount", lines.get(0));
      List<String> body = new ArrayList<>(lines.subList(1, lines.size()));
      Collections.sort(body);
      outputs.add(body);
    }
    assertEquals(model.qtyByKey.size(), outputs.get(0).size());
    // Decimals are summed exactly: the same digits whatever the order of additions.
    assertEquals("files and runner shuffles", outputs.get(1), outputs.get(0));
    for (String line : outputs.get(0)) {
      String key = AggregateJobTest.keyOf(line, 2, ',');
      assertEquals(
          line,
          Long.toString(model.qtyByKey.get(key)),
          line.substring(key.length() + 1).split(",")[0]);
    }
  }

  @Test
  public void encryptedExchangeFilesGiveTheSameOutput() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("sales.csv");
    SalesFile.write(in, 20_000, 3);
    List<List<String>> outputs = new ArrayList<>();
    for (boolean encrypt : new boolean[] {false, true}) {
      Path out = tmp.getRoot().toPath().resolve("out-" + encrypt + "/sums.csv");
      List<String> args =
          new ArrayList<>(
              List.of(
                  "aggregate",
                  "-i",
                  in.toString(),
                  "-o",
                  out.toString(),
                  "-g",
                  "country,city",
                  "-a",
                  "sum:amount,count",
                  "--memory",
                  "256k",
                  "--shuffle",
                  "files",
                  "-q"));
      if (encrypt) {
        args.add("--encrypt-spills");
      }
      Cli.run(args.toArray(new String[0])).expect(0);
      outputs.add(Cli.lines(out));
    }
    assertEquals(outputs.get(0), outputs.get(1));
  }

  @Test
  public void groupWritesEveryKeysValuesInInputOrderWhileSpilling() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("sales.csv");
    SalesFile model = SalesFile.write(in, 30_000, 11);
    Path spill = tmp.newFolder("spill").toPath();
    Path out = tmp.getRoot().toPath().resolve("out/groups.csv");
    Cli run =
        Cli.run(
                "group",
                "-i",
                in.toString(),
                "-o",
                out.toString(),
                "-k",
                "country,city",
                "-v",
                "note",
                "--memory",
                "256k",
                "--spill-dir",
                spill.toString(),
                "-q")
            .expect(0);
    assertThat(AggregateJobTest.spills(run.stderr), greaterThan(0L));
    assertThat(Cli.contents(spill), empty());
    Csv csv = new Csv(',');
    List<String> expected = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : model.notesByKey.entrySet()) {
      expected.add(
          csv.appendField(new StringBuilder(e.getKey()).append(','), String.join(";", e.getValue()))
              .toString());
    }
    Collections.sort(expected);
    List<String> lines = Cli.lines(out);
    assertEquals("country,city,note", lines.get(0));
    List<String> body = new ArrayList<>(lines.subList(1, lines.size()));
    Collections.sort(body);
    assertEquals(expected, body);
  }

  @Test
  public void manyMoreKeysThanTheHeapHoldsInASmallHeap() throws Exception {
    // 600,000 distinct keys: the DirectRunner's own shuffle holds them all on the heap (as
    // objects, several times their 40 MB of text) and fails in this heap; through files the job
    // needs its budget and a fixed overhead.
    Path dir = tmp.getRoot().toPath();
    Path in = dir.resolve("keys.csv");
    Cli.run(
            "generate",
            "--workload",
            "combine",
            "--records",
            "600000",
            "--keys",
            "100000000",
            "-o",
            in.toString())
        .expect(0);
    Path out = dir.resolve("sums.csv");
    Path log = dir.resolve("job.log");
    int exit =
        Cli.runInChildJvm(
            "96m",
            tmp.newFolder("jvm-tmp").toPath(),
            log,
            180,
            "aggregate",
            "-i",
            in.toString(),
            "-o",
            out.toString(),
            "-g",
            "key",
            "-a",
            "sum:value,count",
            "--memory",
            "16m",
            "-q");
    assertEquals(Files.readString(log), 0, exit);
    assertThat(Cli.lines(out).size(), greaterThan(590_000));
  }

  @Test
  public void aBudgetTheHeapCannotGiveIsRefusedUpFront() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("in.csv");
    Files.writeString(in, "k,v\na,1\n");
    long heapMiB = Runtime.getRuntime().maxMemory() >> 20;
    Cli run =
        Cli.run(
                "aggregate",
                "-i",
                in.toString(),
                "-o",
                tmp.getRoot() + "/out.csv",
                "-g",
                "k",
                "-a",
                "count",
                "--memory",
                (heapMiB - 32) + "m",
                "-q")
            .expect(2);
    assertThat(run.stderr, containsString("does not fit this JVM's heap of " + heapMiB + " MiB"));
    assertFalse(Files.exists(tmp.getRoot().toPath().resolve("out.csv")));
  }
}
