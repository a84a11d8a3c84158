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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The aggregate job end to end, its output compared with the same aggregates computed here. */
public class AggregateJobTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aggregatesAGeneratedWorkloadSplitOverTwoFilesWhileSpilling() throws Exception {
    aggregateGeneratedFiles("256k", 40_000, 30_000);
  }

  /**
   * Three producers, then three consumers, at once (the DirectRunner's three threads) on the
   * smallest budgets: each takes its exchange buffers and its engine's floor in one request, and
   * waits for memory only while it holds nothing. At 96k, consumers that took a reader's buffer for
   * each file beside their engine failed every run ("none of the 5 engines sharing it can
   * release"); at 64k, producers did.
   */
  @Test
  public void aggregatesThreeFilesOnTheSmallestBudgets() throws Exception {
    for (String memory : List.of("64k", "96k")) {
      aggregateGeneratedFiles(memory, 40_000, 30_000, 30_000);
    }
  }

  /**
   * Aggregates one generated file per entry of {@code records} (seeds 1, 2, ...) through a glob
   * with {@code --memory memory}, against the model; the job must spill and leave nothing behind.
   */
  private void aggregateGeneratedFiles(String memory, long... records) throws Exception {
    Path run = tmp.newFolder().toPath();
    Path data = Files.createDirectory(run.resolve("data"));
    Map<Long, long[]> model = new HashMap<>(); // count, sum, min, max
    for (int f = 0; f < records.length; f++) {
      WorkloadFile.write(Workload.COMBINE, records[f], 3_000, f + 1, data.resolve(f + ".csv"));
      addToModel(model, f + 1, records[f], 3_000);
    }
    Path spill = Files.createDirectory(run.resolve("spill"));
    Path out = run.resolve("out/sums.csv");

    Cli job =
        Cli.run(
                "aggregate",
                "--input",
                data + "/*.csv",
                "--output",
                out.toString(),
                "--group-by",
                "key",
                "--aggregate",
                "sum:value,count,min:value,max:value,mean:value",
                "--memory",
                memory,
                "--spill-dir",
                spill.toString(),
                "--quiet")
            .expect(0);

    List<String> lines = Cli.lines(out);
    assertEquals("key,sum_value,count,min_value,max_value,mean_value", lines.get(0));
    assertEquals(model.size(), lines.size() - 1);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      long[] m = model.get(Long.parseLong(f[0]));
      assertEquals(line, Long.toString(m[1]), f[1]);
      assertEquals(line, Long.toString(m[0]), f[2]);
      assertEquals(line, Long.toString(m[2]), f[3]);
      assertEquals(line, Long.toString(m[3]), f[4]);
      assertEquals(line, (double) m[1] / m[0], Double.parseDouble(f[5]), 1e-9);
    }
    assertThat(spills(job.stderr), greaterThan(0L));
    assertThat(Cli.contents(spill), empty());
    assertEquals(List.of("sums.csv"), Cli.contents(out.getParent()));
  }

  /**
   * Keys of 1 MiB under a 128 KiB budget, many times each among small keys: the producers hand them
   * on uncombined and the consumers spill them one record at a time (refused, naming the record's
   * size and the budget, until 2026-12-06).
   */
  @Test
  public void keysLargerThanTheBudgetAreAggregated() throws Exception {
    java.util.Random random = new java.util.Random(13);
    List<String> rows = new java.util.ArrayList<>(List.of("key,value"));
    Map<String, long[]> model = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      String key = i % 1_000 == 5 ? "z".repeat(1 << 20) + i % 3 : "k" + random.nextInt(2_000);
      int value = random.nextInt(1_000);
      rows.add(key + "," + value);
      long[] sumAndCount = model.computeIfAbsent(key, k -> new long[2]);
      sumAndCount[0] += value;
      sumAndCount[1]++;
    }
    Path in = tmp.getRoot().toPath().resolve("large-keys.csv");
    Files.write(in, rows, StandardCharsets.UTF_8);
    Path spill = tmp.newFolder("spill-large").toPath();
    Path out = tmp.getRoot().toPath().resolve("large-keys-out.csv");

    Cli.run(
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
            "128k",
            "--spill-dir",
            spill.toString(),
            "-q")
        .expect(0);

    List<String> lines = Cli.lines(out);
    assertEquals("key,sum_value,count", lines.get(0));
    Map<String, String> expected = new HashMap<>();
    model.forEach((k, sc) -> expected.put(k, sc[0] + "," + sc[1]));
    Map<String, String> got = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      int comma = line.indexOf(',');
      got.put(line.substring(0, comma), line.substring(comma + 1));
    }
    assertEquals(expected, got);
    assertThat(Cli.contents(spill), empty());
  }

  @Test
  public void handWrittenTsvWithQuotesDecimalsNegativesAndTwoGroupColumns() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("sales.tsv");
    Files.write(
        in,
        List.of(
            "region\tproduct\tamount\tnote",
            "north\t\"big\tbox\"\t10\tx",
            "north\t\"big\tbox\"\t-2.5\t\"quoted \"\"note\"\"\"",
            "south\tpen\t3\t",
            "north\tpen\t9223372036854775807\ty",
            "north\tpen\t1\ty",
            "south\tpen\t4\tz"),
        StandardCharsets.UTF_8);
    Path out = tmp.getRoot().toPath().resolve("totals.tsv");

    Cli.run(
            "aggregate",
            "-i",
            in.toString(),
            "-o",
            out.toString(),
            "-g",
            "region,product",
            "-a",
            "count,sum:amount,min:amount,max:amount",
            "-q")
        .expect(0);

    List<String> lines = Cli.lines(out);
    assertEquals("region\tproduct\tcount\tsum_amount\tmin_amount\tmax_amount", lines.get(0));
    assertEquals(
        Map.of(
            "north\t\"big\tbox\"", "2\t7.5\t-2.5\t10",
            // The sum passes a long's range and stays exact.
            "north\tpen", "2\t9223372036854775808\t1\t9223372036854775807",
            "south\tpen", "2\t7\t3\t4"),
        byKey(lines.subList(1, lines.size()), 2));
  }

  private static void addToModel(Map<Long, long[]> model, long seed, long records, long keys) {
    for (long i = 0; i < records; i++) {
      long r = Generator.rand(seed, i);
      long k = Generator.key(Workload.COMBINE, r, keys);
      long v = Generator.value(r);
      long[] m = model.computeIfAbsent(k, x -> new long[] {0, 0, Long.MAX_VALUE, Long.MIN_VALUE});
      m[0]++;
      m[1] += v;
      m[2] = Math.min(m[2], v);
      m[3] = Math.max(m[3], v);
    }
  }

  /** Output lines keyed by their first {@code keyFields} tab-separated fields. */
  static Map<String, String> byKey(List<String> lines, int keyFields) {
    Map<String, String> out = new HashMap<>();
    for (String line : lines) {
      String key = keyOf(line, keyFields, '\t');
      out.put(key, line.substring(key.length() + 1));
    }
    return out;
  }

  /** The first {@code fields} fields of a line, quotes respected. */
  static String keyOf(String line, int fields, char delimiter) {
    boolean quoted = false;
    int seen = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == delimiter && !quoted && ++seen == fields) {
        return line.substring(0, i);
      }
    }
    throw new AssertionError("fewer than " + fields + " fields: " + line);
  }

  /** The spill count of the job's summary line. */
  static long spills(String stderr) {
    Matcher m = Pattern.compile("spilled ([0-9,]+) times").matcher(stderr);
    assertThat(stderr, containsString("done in"));
    if (!m.find()) {
      throw new AssertionError("no summary in: " + stderr);
    }
    return Long.parseLong(m.group(1).replace(",", ""));
  }
}
