package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The command line's three jobs over {@link SalesCsv}'s columns, and how a runner's output is
 * compared with the DirectRunner's: the sort line for line; the aggregate and the group, whose
 * lines (one per key) come in an order of the runner's, as multisets, the group's values as a set
 * per key.
 */
public final class SalesJobs {
  /** Each job's command and options, without input, output, memory or runner. */
  public static final List<List<String>> JOBS =
      List.of(
          List.of(
              "aggregate", "-g", "country,city", "-a", "sum:amount,count,mean:amount,max:amount"),
          List.of("group", "--key", "country,city", "--value", "order_id", "--separator", "|"),
          List.of("sort", "--column", "city", "--descending"));

  private SalesJobs() {}

  /**
   * Runs each of {@link #JOBS} over a realistic CSV ({@link SalesCsv}, {@code seed}) with the
   * DirectRunner of the jar the system property {@code jarProperty} names, and on another runner
   * ({@code runnerArgs}, in a heap of {@code runnerHeap}, at a 512 KiB budget and two shuffle
   * shards; outputs named after {@code label}), each in a child JVM ({@link JarRun}); asserts for
   * each job the same output ({@link #assertSameOutput}), spills on the other runner, and the spill
   * directory empty within 30 s (a cluster's workers delete their files as their tasks end).
   */
  public static void assertEachJobMatchesTheDirectRunner(
      String jarProperty,
      Path work,
      long seed,
      String label,
      String runnerHeap,
      String... runnerArgs)
      throws IOException, InterruptedException {
    assertEachJobMatchesTheDirectRunner(
        jarProperty, work, seed, runnerHeap, Map.of(label, List.of(runnerArgs)));
  }

  /**
   * The same with several other runners (or configurations of one), {@code runnerArgs} by label:
   * each job runs on the DirectRunner once and on each of them.
   */
  public static void assertEachJobMatchesTheDirectRunner(
      String jarProperty,
      Path work,
      long seed,
      String runnerHeap,
      Map<String, List<String>> runnerArgs)
      throws IOException, InterruptedException {
    Path in = work.resolve("sales.csv");
    SalesCsv.write(in, 40_000, seed);
    Path spill = Files.createDirectories(work.resolve("spill"));
    for (List<String> job : JOBS) {
      String name = job.get(0);
      Path direct = work.resolve(name + "-direct.csv");
      JarRun.run(
          jarProperty,
          work,
          name + "-direct",
          job,
          "-i",
          in.toString(),
          "-o",
          direct.toString(),
          "--memory",
          "1m",
          "--spill-dir",
          spill.toString());
      for (Map.Entry<String, List<String>> runner : new TreeMap<>(runnerArgs).entrySet()) {
        String label = runner.getKey();
        Path other = work.resolve(name + "-" + label + ".csv");
        List<String> args =
            new ArrayList<>(
                List.of(
                    "-i",
                    in.toString(),
                    "-o",
                    other.toString(),
                    "--memory",
                    "512k",
                    // Two shards: the group job's merge step then holds more than the budget and
                    // spills (its partial step packs records and never spills).
                    "--shards",
                    "2",
                    "--spill-dir",
                    spill.toString()));
        args.addAll(runner.getValue());
        List<String> printed =
            JarRun.run(
                jarProperty,
                runnerHeap,
                work,
                name + "-" + label,
                job,
                args.toArray(new String[0]));
        assertTrue(
            name + " spilled nothing on " + label + ": " + printed, JarRun.spills(printed) > 0);
        assertSameOutput(name, direct, other);
        PipelineAsserts.awaitEmpty(spill, 30_000);
      }
    }
  }

  /** Asserts that {@code job} wrote to {@code actual} what it wrote to {@code expected}. */
  public static void assertSameOutput(String job, Path expected, Path actual) throws IOException {
    List<String> want = Files.readAllLines(expected);
    List<String> got = Files.readAllLines(actual);
    assertTrue(job + " wrote " + want.size() + " lines", want.size() > 1_000);
    if (job.equals("sort")) {
      assertEquals(job + ": the lines in order", want, got);
    } else {
      PipelineAsserts.assertSameElementsIn(job, canonical(job, got), canonical(job, want));
    }
  }

  /** The group's lines with their values in sorted order (the runner's order is arbitrary). */
  private static List<String> canonical(String job, List<String> lines) {
    if (!job.equals("group")) {
      return lines;
    }
    List<String> canonical = new ArrayList<>();
    for (String line : lines) {
      // The values (order ids joined by '|') are the last field, never quoted.
      int last = line.lastIndexOf(',');
      String[] values = line.substring(last + 1).split("\\|");
      Arrays.sort(values);
      canonical.add(line.substring(0, last + 1) + String.join("|", values));
    }
    return canonical;
  }
}
