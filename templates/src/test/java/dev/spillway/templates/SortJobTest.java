package dev.spillway.templates;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;

import dev.spillway.templates.workload.Checksum;
import dev.spillway.templates.workload.Generator;
import dev.spillway.templates.workload.Workload;
import dev.spillway.templates.workload.WorkloadFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The sort job end to end, compared with a stable sort done here. */
public class SortJobTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void sortsTheSortWorkloadNumericallyWithItsChecksum() throws Exception {
    Path in = tmp.getRoot().toPath().resolve("sort.csv");
    long records = 100_000;
    WorkloadFile.write(Workload.SORT, records, 0, 42, in);
    long[] keys = new long[(int) records];
    for (int i = 0; i < records; i++) {
      keys[i] = Generator.rand(42, i);
    }
    Arrays.sort(keys);
    Checksum expected = new Checksum();
    for (long k : keys) {
      expected.addSorted(k);
    }
    Path spill = tmp.newFolder("spill").toPath();
    Path out = tmp.getRoot().toPath().resolve("sorted.csv");

    Cli run =
        Cli.run(
                "sort",
                "-i",
                in.toString(),
                "-o",
                out.toString(),
                "--column",
                "key",
                "--numeric",
                "--ranges",
                "5",
                "--memory",
                "256k",
                "--spill-dir",
                spill.toString(),
                "-q")
            .expect(0);

    List<String> lines = Cli.lines(out);
    assertEquals("key,value", lines.get(0));
    Checksum actual = new Checksum();
    for (String line : lines.subList(1, lines.size())) {
      actual.addSorted(Long.parseLong(line.substring(0, line.indexOf(','))));
    }
    assertEquals(expected.outputKeys(), actual.outputKeys());
    assertEquals(expected.value(), actual.value());
    assertThat(AggregateJobTest.spills(run.stderr), greaterThan(0L));
    assertThat(Cli.contents(spill), empty());
  }

  /** Lines of 1 MiB under a 256 KiB budget: each goes to disk by itself, sorted in its place. */
  @Test
  public void linesLargerThanTheBudgetAreSortedWhole() throws Exception {
    Random random = new Random(12);
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      long key = random.nextInt(1_000_000);
      rows.add(key + "," + (i % 4_000 == 2_000 ? "y".repeat(1 << 20) + i : Integer.toString(i)));
    }
    Path in = tmp.getRoot().toPath().resolve("large.csv");
    List<String> file = new ArrayList<>(List.of("key,value"));
    file.addAll(rows);
    Files.write(in, file, StandardCharsets.UTF_8);
    Path spill = tmp.newFolder("spill-large").toPath();
    Path out = tmp.getRoot().toPath().resolve("large-sorted.csv");

    Cli.run(
            "sort",
            "-i",
            in.toString(),
            "-o",
            out.toString(),
            "-c",
            "key",
            "-n",
            "--memory",
            "256k",
            "--spill-dir",
            spill.toString(),
            "-q")
        .expect(0);

    List<String> expected = new ArrayList<>(rows);
    expected.sort(Comparator.comparing(r -> Long.parseLong(r.substring(0, r.indexOf(',')))));
    List<String> lines = Cli.lines(out);
    assertEquals(expected, lines.subList(1, lines.size()));
    assertThat(Cli.contents(spill), empty());
  }

  @Test
  public void textDescendingAndNumbersKeepInputOrderForEqualKeys() throws Exception {
    Random random = new Random(7);
    String[] words = {"", "a", "ab", "b", "a\u0000", "é", "z", "\uD83D\uDE00", "Z", "aa"};
    String[] numbers = {
      "-1",
      "-0.5",
      "0",
      "-0",
      "0.0",
      "2",
      "10",
      "1e3",
      "9007199254740993",
      "9007199254740992",
      "-9223372036854775808",
      "3.25"
    };
    List<String[]> rows = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      rows.add(
          new String[] {
            words[random.nextInt(words.length)],
            numbers[random.nextInt(numbers.length)],
            Integer.toString(i)
          });
    }
    List<String> file = new ArrayList<>();
    file.add("word,number,id");
    for (String[] r : rows) {
      file.add("\"" + r[0] + "\"," + r[1] + "," + r[2]);
    }
    Path in = tmp.getRoot().toPath().resolve("mixed.csv");
    Files.write(in, file, StandardCharsets.UTF_8);

    Path byWord = tmp.getRoot().toPath().resolve("by-word.csv");
    Cli.run(
            "sort",
            "-i",
            in.toString(),
            "-o",
            byWord.toString(),
            "-c",
            "word",
            "--descending",
            "--ranges",
            "3",
            "-q")
        .expect(0);
    List<String[]> expectWords = new ArrayList<>(rows);
    Comparator<String[]> codePoints =
        (a, b) -> Arrays.compare(a[0].codePoints().toArray(), b[0].codePoints().toArray());
    expectWords.sort(codePoints.reversed()); // List.sort is stable: ties keep input order
    assertEquals(ids(expectWords), idsOf(Cli.lines(byWord)));

    Path byNumber = tmp.getRoot().toPath().resolve("by-number.csv");
    Cli.run("sort", "-i", in.toString(), "-o", byNumber.toString(), "-c", "2", "-n", "-q")
        .expect(0);
    List<String[]> expectNumbers = new ArrayList<>(rows);
    expectNumbers.sort(Comparator.comparing(r -> new java.math.BigDecimal(r[1])));
    assertEquals(ids(expectNumbers), idsOf(Cli.lines(byNumber)));
  }

  private static List<String> ids(List<String[]> rows) {
    List<String> out = new ArrayList<>();
    rows.forEach(r -> out.add(r[2]));
    return out;
  }

  private static List<String> idsOf(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      out.add(line.substring(line.lastIndexOf(',') + 1));
    }
    return out;
  }
}
