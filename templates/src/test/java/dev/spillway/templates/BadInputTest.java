package dev.spillway.templates;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Malformed lines fail the job with file and line (or are skipped and counted); a bad setup fails
 * before any work; a failed job leaves no output and no work files, and an older output stays.
 */
public class BadInputTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private Path dir;
  private Path in;
  private Path out;

  @Before
  public void setUp() throws Exception {
    dir = tmp.getRoot().toPath();
    in = dir.resolve("in.csv");
    Files.write(
        in,
        List.of("k,v", "a,1", "b,2", "c,x", "a,3", "d", "e,\"open", "b,4"),
        StandardCharsets.UTF_8);
    out = dir.resolve("out/result.csv");
  }

  @Test
  public void aNonNumericValueFailsWithFileAndLineAndLeavesNoOutput() throws Exception {
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
                "sum:v",
                "-q")
            .expect(1);
    assertThat(run.stderr, containsString(in + ":4: column 'v' is not a number: 'x'"));
    assertThat(run.stderr, containsString("--skip-bad-records"));
    assertThat(Cli.contents(out.getParent()), empty());
  }

  @Test
  public void aFailedJobKeepsTheOlderOutputWhole() throws Exception {
    Files.createDirectories(out.getParent());
    Files.writeString(out, "older result\n");
    Cli.run("sort", "-i", in.toString(), "-o", out.toString(), "-c", "v", "-n", "-q").expect(1);
    assertEquals(List.of("older result"), Cli.lines(out));
    assertEquals(List.of("result.csv"), Cli.contents(out.getParent()));
  }

  @Test
  public void skippedLinesAreReportedCountedAndLeftOut() throws Exception {
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
                "sum:v,count",
                "--skip-bad-records",
                "-q")
            .expect(0);
    assertThat(run.stderr, containsString(in + ":4: column 'v' is not a number: 'x'"));
    assertThat(run.stderr, containsString(in + ":6: missing column 'v' (the line has 1 field)"));
    assertThat(run.stderr, containsString(in + ":7: a quoted field is not closed"));
    assertThat(run.stderr, containsString("read 4 records, skipped 3 bad"));
    List<String> lines = Cli.lines(out);
    lines.sort(null);
    assertEquals(List.of("a,4,2", "b,6,2", "k,sum_v,count"), lines);
  }

  @Test
  public void skippedLinesAreCountedOnceWhileTheRunnerSplitsALargeFile() throws Exception {
    // 1.2M lines (about 16 MB): the DirectRunner splits the file's range while reading it.
    Path big = dir.resolve("big.csv");
    long good = 0;
    long bad = 0;
    long sum = 0;
    try (java.io.BufferedWriter w = Files.newBufferedWriter(big, StandardCharsets.UTF_8)) {
      w.write("k,v\n");
      for (int i = 0; i < 1_200_000; i++) {
        if (i % 997 == 0) {
          w.write("k" + (i % 7) + ",not-a-number\n");
          bad++;
        } else {
          w.write("k" + (i % 7) + "," + i + "\n");
          good++;
          sum += i;
        }
      }
    }
    Cli run =
        Cli.run(
                "aggregate",
                "-i",
                big.toString(),
                "-o",
                out.toString(),
                "-g",
                "k",
                "-a",
                "sum:v,count",
                "--skip-bad-records",
                "-q")
            .expect(0);
    assertThat(
        run.stderr,
        containsString(
            String.format(java.util.Locale.ROOT, "read %,d records, skipped %,d bad", good, bad)));
    long total = 0;
    long count = 0;
    for (String line : Cli.lines(out).subList(1, 8)) {
      String[] f = line.split(",");
      total += Long.parseLong(f[1]);
      count += Long.parseLong(f[2]);
    }
    assertEquals(sum, total);
    assertEquals(good, count);
  }

  @Test
  public void theSortJobCountsEachSkippedLineOnceAcrossItsRanges() throws Exception {
    Cli run =
        Cli.run(
                "sort",
                "-i",
                in.toString(),
                "-o",
                out.toString(),
                "-c",
                "v",
                "-n",
                "--ranges",
                "3",
                "--skip-bad-records",
                "-q")
            .expect(0);
    assertThat(run.stderr, containsString("read 4 records, skipped 3 bad"));
    assertEquals(List.of("k,v", "a,1", "b,2", "a,3", "b,4"), Cli.lines(out));
  }

  /**
   * A second file naming the same columns in another order was read, under --skip-bad-records, with
   * the first file's order: silently wrong sums. Now refused up front.
   */
  @Test
  public void aFileWhoseHeaderDiffersIsRefusedBeforeAnyWork() throws Exception {
    Path swapped = dir.resolve("swapped.csv");
    Files.write(swapped, List.of("v,k", "5,a"), StandardCharsets.UTF_8);
    Path other = dir.resolve("other.csv");
    Files.write(other, List.of("key,v", "a,1"), StandardCharsets.UTF_8);
    Path good = dir.resolve("good.csv");
    Files.write(good, List.of("k,v", "a,1"), StandardCharsets.UTF_8);
    for (Path bad : List.of(swapped, other)) {
      for (boolean skip : new boolean[] {false, true}) {
        List<String> args =
            new java.util.ArrayList<>(
                List.of(
                    "aggregate",
                    "-i",
                    good + "," + bad,
                    "-o",
                    out.toString(),
                    "-g",
                    "k",
                    "-a",
                    "sum:v",
                    "-q"));
        if (skip) {
          args.add("--skip-bad-records");
        }
        Cli run = Cli.run(args.toArray(new String[0])).expect(2);
        assertThat(run.stderr, containsString("input " + bad + " has the header"));
        assertFalse(Files.exists(out));
      }
    }
  }

  /**
   * Latin-1 bytes became U+FFFD, and café and cafè (ISO-8859-1) merged into one key, exit 0. Now a
   * line that is not UTF-8 is a bad line: it fails the job, or is skipped and counted.
   */
  @Test
  public void aLineThatIsNotUtf8IsABadLineNeverAMergedKey() throws Exception {
    Path latin1 = dir.resolve("latin1.csv");
    Files.write(latin1, "k,v\ncafé,1\ncafè,2\nplain,3\n".getBytes(StandardCharsets.ISO_8859_1));
    Cli failed =
        Cli.run(
                "aggregate",
                "-i",
                latin1.toString(),
                "-o",
                out.toString(),
                "-g",
                "k",
                "-a",
                "sum:v",
                "-q")
            .expect(1);
    assertThat(failed.stderr, containsString(latin1 + ":2: the line is not valid UTF-8"));
    Cli skipped =
        Cli.run(
                "aggregate",
                "-i",
                latin1.toString(),
                "-o",
                out.toString(),
                "-g",
                "k",
                "-a",
                "sum:v",
                "--skip-bad-records",
                "-q")
            .expect(0);
    assertThat(skipped.stderr, containsString(latin1 + ":3: the line is not valid UTF-8"));
    assertEquals(List.of("k,sum_v", "plain,3"), Cli.lines(out));
    // A real U+FFFD in UTF-8 is data, not an error.
    Path replacement = dir.resolve("fffd.csv");
    Files.write(replacement, List.of("k,v", "a\uFFFD,1"), StandardCharsets.UTF_8);
    Cli.run(
            "aggregate",
            "-i",
            replacement.toString(),
            "-o",
            out.toString(),
            "-g",
            "k",
            "-a",
            "sum:v",
            "-q")
        .expect(0);
    assertEquals(List.of("k,sum_v", "a\uFFFD,1"), Cli.lines(out));
  }

  /** A UTF-8 byte order mark and blank lines (a trailing one above all) are ordinary CSV. */
  @Test
  public void aByteOrderMarkAndBlankLinesAreRead() throws Exception {
    Path excel = dir.resolve("excel.csv");
    Files.write(
        excel, "\uFEFFk,v\r\na,1\r\n\r\nb,2\r\na,3\r\n\r\n".getBytes(StandardCharsets.UTF_8));
    Cli.run(
            "aggregate",
            "-i",
            excel.toString(),
            "-o",
            out.toString(),
            "-g",
            "k",
            "-a",
            "sum:v,count",
            "-q")
        .expect(0);
    List<String> lines = Cli.lines(out);
    assertEquals("k,sum_v,count", lines.get(0));
    assertEquals(
        List.of("a,4,2", "b,2,1"),
        lines.subList(1, lines.size()).stream()
            .sorted()
            .collect(java.util.stream.Collectors.toList()));
  }

  @Test
  public void setupMistakesFailBeforeAnyWorkWithExitCode2() throws Exception {
    assertThat(
        Cli.run(
                "aggregate",
                "-i",
                dir.resolve("missing.csv").toString(),
                "-o",
                out.toString(),
                "-g",
                "k",
                "-a",
                "count")
            .expect(2)
            .stderr,
        containsString("input file " + dir.resolve("missing.csv") + " does not exist"));
    assertThat(
        Cli.run("aggregate", "-i", dir + "/*.tsv", "-o", out.toString(), "-g", "k", "-a", "count")
            .expect(2)
            .stderr,
        containsString("matches no file"));
    assertThat(
        Cli.run("aggregate", "-i", in.toString(), "-o", out.toString(), "-g", "nope", "-a", "count")
            .expect(2)
            .stderr,
        containsString("no column 'nope' in the input; its header has [k, v]"));
    assertThat(
        Cli.run("aggregate", "-i", in.toString(), "-o", out.toString(), "-g", "k", "-a", "median:v")
            .expect(2)
            .stderr,
        containsString("unknown aggregate 'median'"));
    assertThat(
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
                "--memory",
                "lots")
            .expect(2)
            .stderr,
        containsString("not a memory size: 'lots'"));
    assertThat(
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
                "--spill-dir",
                dir.resolve("no-such-dir").toString())
            .expect(2)
            .stderr,
        containsString("spill directory " + dir.resolve("no-such-dir") + " does not exist"));
    assertThat(
        Cli.run("aggregate", "-i", in.toString(), "-o", dir.toString(), "-g", "k", "-a", "count")
            .expect(2)
            .stderr,
        containsString("is a directory"));
    // An output whose directory cannot be made: its would-be parent is a file.
    assertThat(
        Cli.run("aggregate", "-i", in.toString(), "-o", in + "/x.csv", "-g", "k", "-a", "count")
            .expect(2)
            .stderr,
        containsString("cannot write the output"));
    assertThat(
        Cli.run("aggregate", "-i", in.toString(), "-o", in.toString(), "-g", "k", "-a", "count")
            .expect(2)
            .stderr,
        containsString("is also an input"));
    assertThat(
        Cli.run("sort", "-i", in.toString(), "-o", out.toString(), "-c", "k", "--ranges", "0")
            .expect(2)
            .stderr,
        containsString("--ranges must be in [1, 4096]"));
    assertThat(
        Cli.run("aggregate", "-i", in.toString(), "-o", out.toString()).expect(2).stderr,
        containsString("Missing required options"));
    // spillway.jar carries no Spark (its slf4j cannot share a jar with Flink's): say which does.
    assertThat(
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
                "--runner",
                "spark")
            .expect(2)
            .stderr,
        containsString("run the jobs with spillway-spark.jar"));
    assertThat(
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
                "--flink-datastream")
            .expect(2)
            .stderr,
        containsString("--flink-datastream needs --runner flink"));
    // Not ignored beside another runner either.
    assertThat(
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
                "--runner",
                "spark",
                "--flink-datastream")
            .expect(2)
            .stderr,
        containsString("--flink-datastream needs --runner flink"));
    // Nothing was written: at most the output's (empty) directory was made.
    assertEquals(List.of("in.csv", "out"), Cli.contents(dir));
  }

  @Test
  public void aBinaryFileOrABrokenHeaderIsASetupMistakeNamedByFile() throws Exception {
    Path binary = dir.resolve("archive.csv");
    Files.write(binary, new byte[] {'P', 'K', 3, 4, 0, 0, '\n', 'a', '\n'});
    assertThat(
        Cli.run(
                "aggregate",
                "-i",
                binary.toString(),
                "-o",
                out.toString(),
                "-g",
                "1",
                "-a",
                "count")
            .expect(2)
            .stderr,
        containsString(
            "input " + binary + " is not a text file (its first line holds a NUL" + " byte)"));
    Path header = dir.resolve("header.csv");
    Files.write(header, List.of("k,\"v", "a,1"), StandardCharsets.UTF_8);
    assertThat(
        Cli.run(
                "aggregate",
                "-i",
                header.toString(),
                "-o",
                out.toString(),
                "-g",
                "k",
                "-a",
                "count")
            .expect(2)
            .stderr,
        containsString(
            header + ":1: the header line does not parse: a quoted field is not" + " closed"));
  }

  @Test
  public void anIoErrorIsDescribedByTheMessageThatSaysWhere() {
    IOException full = new IOException("No space left on device");
    RuntimeException fromRunner =
        new RuntimeException(
            new UncheckedIOException(
                "cannot write spill file /s/x.seg in directory /s (No space left on device)",
                full));
    assertEquals(
        "cannot write spill file /s/x.seg in directory /s (No space left on device)"
            + " (IOException)",
        JobLauncher.describe(fromRunner));
  }
}
