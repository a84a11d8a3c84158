package dev.spillway.spark;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;

import dev.spillway.transforms.GroupProcessor;
import dev.spillway.transforms.LargeRecordScenarios;
import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.RandomWindowings;
import dev.spillway.transforms.SortValues;
import dev.spillway.transforms.SpillDirectoriesSeen;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import dev.spillway.transforms.WindowedScenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.runners.spark.SparkPipelineOptions;
import org.apache.beam.runners.spark.SparkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The transforms on Beam's Spark runner ({@code local[2]}): sums, groups, groups streamed from the
 * engine (read twice, and sorted) and windowed outputs counted downstream, each against Beam's
 * built-in on the same runner and an in-memory model, at budgets that force spills; the spill
 * directory is empty after every pipeline.
 */
public class SparkRunnerTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final int RECORDS = 60_000;
  static final int KEYS = 3_000;

  static String keyOf(long i) {
    // One hot key among many small ones.
    return i % 4 == 0 ? "hot" : "k" + Math.floorMod(i * 0x9E3779B97F4A7C15L, KEYS);
  }

  /** Over one hour: 60 one-minute windows when windowed. */
  static long timeOf(long i) {
    return i % 3600 * 1000L;
  }

  static long valueOf(long i) {
    return Math.floorMod(i * 31 + 7, 1000);
  }

  static final class Records extends DoFn<Long, KV<String, Long>> {
    @ProcessElement
    public void process(@Element Long i, OutputReceiver<KV<String, Long>> out) {
      out.outputWithTimestamp(KV.of(keyOf(i), valueOf(i)), new Instant(timeOf(i)));
    }
  }

  private static Pipeline spark() {
    SparkPipelineOptions options = PipelineOptionsFactory.as(SparkPipelineOptions.class);
    options.setRunner(SparkRunner.class);
    options.setSparkMaster("local[2]");
    options.setEnableSparkMetricSinks(false);
    return Pipeline.create(options);
  }

  private static PCollection<KV<String, Long>> input(Pipeline p) {
    return p.apply(GenerateSequence.from(0).to(RECORDS))
        .apply(ParDo.of(new Records()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
  }

  private SpillOptions smallBudget(Path dir) {
    return SpillOptions.create()
        .withMemoryBudgetBytes(256 << 10)
        .withSpillDirectories(List.of(dir.toString()));
  }

  static final class ShowSum extends DoFn<KV<String, Long>, String> {
    @ProcessElement
    public void process(@Element KV<String, Long> kv, OutputReceiver<String> out) {
      out.output(kv.getKey() + "=" + kv.getValue());
    }
  }

  static final class ShowGroup extends DoFn<KV<String, Iterable<Long>>, String> {
    @ProcessElement
    public void process(@Element KV<String, Iterable<Long>> kv, OutputReceiver<String> out) {
      List<Long> values = new ArrayList<>();
      kv.getValue().forEach(values::add);
      values.sort(null);
      out.output(kv.getKey() + "=" + values);
    }
  }

  /** "key count sum", each from its own pass over the values. */
  static final class TwoPasses extends GroupProcessor<String, Long, String> {
    @Override
    public void process(String key, Iterable<Long> values, Context<String> c) {
      long n = 0;
      for (Long ignored : values) {
        n++;
      }
      long sum = 0;
      for (Long v : values) {
        sum += v;
      }
      c.output(key + " " + n + " " + sum);
    }
  }

  static final class ByTime extends DoFn<KV<String, Long>, KV<String, KV<Long, Long>>> {
    @ProcessElement
    public void process(
        @Element KV<String, Long> kv, OutputReceiver<KV<String, KV<Long, Long>>> out) {
      out.output(KV.of(kv.getKey(), KV.of(kv.getValue() * 7919 % 1000, kv.getValue())));
    }
  }

  /** "key count" if the values came sorted by their keys, else fails. */
  static final class CheckSorted extends GroupProcessor<String, KV<Long, Long>, String> {
    @Override
    public void process(String key, Iterable<KV<Long, Long>> values, Context<String> c) {
      long n = 0;
      long previous = Long.MIN_VALUE;
      for (KV<Long, Long> v : values) {
        if (v.getKey() < previous) {
          throw new AssertionError(key + ": " + v.getKey() + " after " + previous);
        }
        previous = v.getKey();
        n++;
      }
      c.output(key + " " + n);
    }
  }

  /** Nine records in ten on one key. */
  static final class HotRecords extends DoFn<Long, KV<String, Long>> {
    @ProcessElement
    public void process(@Element Long i, OutputReceiver<KV<String, Long>> out) {
      out.output(KV.of(i % 10 == 0 ? "k" + i % 100 : "hot", i));
    }
  }

  /**
   * Given no spill directories, the engines spill to Spark's local directories ({@code
   * spark.local.dir}, where Spark itself spills), not to {@code java.io.tmpdir}: a processor of
   * each group looks into both while its engine's files exist. Both hold no spill directory after.
   */
  @Test
  public void withoutSpillDirectoriesTheEnginesSpillToSparksLocalDirectories() throws Exception {
    // Under the build directory, not java.io.tmpdir: Spark's shutdown hook touches its local
    // directories when the JVM ends, after a temporary folder of the test would be deleted, and
    // left that folder behind in java.io.tmpdir.
    Path local =
        Files.createTempDirectory(Files.createDirectories(Paths.get("target")), "spark-local-");
    Path javaTmp = Paths.get(System.getProperty("java.io.tmpdir"));
    String before = System.getProperty("spark.local.dir");
    System.setProperty("spark.local.dir", local.toString()); // read by the run's new SparkConf
    try {
      Pipeline p = spark();
      // A hot key of 100,000 values, several times the budget: its engine spills before the
      // processor reads it, so the processor sees that engine's directory, whatever the timing.
      PCollection<String> seen =
          p.apply(GenerateSequence.from(0).to(100_000))
              .apply(ParDo.of(new HotRecords()))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()))
              .apply(
                  SpillingGroupByKey.<String, Long>create()
                      .withOptions(SpillOptions.create().withMemoryBudgetBytes(256 << 10))
                      .thenProcess(new SpillDirectoriesSeen<>(local, javaTmp)));
      PAssert.that(seen).satisfies(SpillDirectoriesSeen.onlyInTheRunnersDirectory());
      PipelineResult result = p.run();
      result.waitUntilFinish();
      assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    } finally {
      if (before == null) {
        System.clearProperty("spark.local.dir");
      } else {
        System.setProperty("spark.local.dir", before);
      }
    }
    SpillDirectoriesSeen.awaitNone(local);
    SpillDirectoriesSeen.awaitNone(javaTmp);
  }

  @Test
  public void sumsGroupsAndStreamedGroupsEqualTheBuiltInsAndTheModel() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Map<String, Long> sums = new TreeMap<>();
    Map<String, List<Long>> groups = new TreeMap<>();
    for (long i = 0; i < RECORDS; i++) {
      sums.merge(keyOf(i), valueOf(i), Long::sum);
      groups.computeIfAbsent(keyOf(i), k -> new ArrayList<>()).add(valueOf(i));
    }
    List<String> sumLines = new ArrayList<>();
    sums.forEach((k, v) -> sumLines.add(k + "=" + v));
    List<String> groupLines = new ArrayList<>();
    List<String> passLines = new ArrayList<>();
    List<String> countLines = new ArrayList<>();
    groups.forEach(
        (k, vs) -> {
          vs.sort(null);
          groupLines.add(k + "=" + vs);
          passLines.add(k + " " + vs.size() + " " + sums.get(k));
          countLines.add(k + " " + vs.size());
        });

    Pipeline p = spark();
    PCollection<KV<String, Long>> in = input(p);
    SpillOptions options = smallBudget(dir);
    PipelineAsserts.assertSameElements(
        in.apply(SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs()).withOptions(options))
            .apply("ShowOurSums", ParDo.of(new ShowSum())),
        sumLines);
    PipelineAsserts.assertSameElements(
        in.apply(Sum.longsPerKey()).apply("ShowBeamSums", ParDo.of(new ShowSum())), sumLines);
    PipelineAsserts.assertSameElements(
        in.apply(SpillingGroupByKey.<String, Long>create().withOptions(options))
            .apply("ShowOurGroups", ParDo.of(new ShowGroup())),
        groupLines);
    PipelineAsserts.assertSameElements(
        in.apply(GroupByKey.create()).apply("ShowBeamGroups", ParDo.of(new ShowGroup())),
        groupLines);
    PipelineAsserts.assertSameElements(
        in.apply(
            "Streamed",
            SpillingGroupByKey.<String, Long>create()
                .withOptions(options)
                .thenProcess(new TwoPasses())),
        passLines);
    PipelineAsserts.assertSameElements(
        in.apply(ParDo.of(new ByTime()))
            .setCoder(
                KvCoder.of(
                    StringUtf8Coder.of(), KvCoder.of(BigEndianLongCoder.of(), VarLongCoder.of())))
            .apply(
                "Sorted",
                SpillingGroupByKey.<String, KV<Long, Long>>create()
                    .withOptions(options)
                    .thenProcessSorted(new CheckSorted())),
        countLines);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    assertEquals(
        "the partial results crossed Spark's own shuffle",
        0L,
        SpillMetrics.total(result, SpillMetrics.SHUFFLE_FILES));
    PipelineAsserts.assertEmpty(dir);
  }

  /** "key window.end timestamp value", what a user's windowed step downstream sees. */
  static final class Describe extends DoFn<KV<String, Long>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Long> kv,
        @Timestamp Instant time,
        BoundedWindow window,
        OutputReceiver<String> out) {
      out.output(
          kv.getKey()
              + " "
              + window.maxTimestamp().getMillis()
              + " "
              + time.getMillis()
              + " "
              + kv.getValue());
    }
  }

  @Test
  public void windowedOutputsAreCountedDownstreamAsTheBuiltInsAre() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Pipeline p = spark();
    PCollection<KV<String, Long>> windowed =
        input(p).apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))));
    // Sum per key and window, then count per window downstream how many keys had a sum: an
    // output dropped as late or put in the wrong window changes the counts.
    PCollection<String> ours =
        windowed
            .apply(
                SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())
                    .withOptions(smallBudget(dir)))
            .apply("OurWindowOfSum", ParDo.of(new KeyByWindow()))
            .apply("OurCount", Count.perKey())
            .apply("DescribeOurs", ParDo.of(new Describe()));
    PCollection<String> beams =
        windowed
            .apply(Combine.perKey(Sum.ofLongs()))
            .apply("BeamWindowOfSum", ParDo.of(new KeyByWindow()))
            .apply("BeamCount", Count.perKey())
            .apply("DescribeBeams", ParDo.of(new Describe()));
    Map<Long, java.util.Set<String>> keysByMinute = new TreeMap<>();
    for (long i = 0; i < RECORDS; i++) {
      keysByMinute
          .computeIfAbsent(timeOf(i) / 60_000, m -> new java.util.HashSet<>())
          .add(keyOf(i));
    }
    List<String> expected = new ArrayList<>();
    keysByMinute.forEach(
        (minute, keys) -> {
          long end = (minute + 1) * 60_000 - 1;
          expected.add("w " + end + " " + end + " " + keys.size());
        });
    PipelineAsserts.assertSameElements(ours, expected);
    PipelineAsserts.assertSameElements(beams, expected);
    p.run().waitUntilFinish();
    PipelineAsserts.assertEmpty(dir);
  }

  /** "key count sum" of a sorted group, if its pairs came sorted by their keys, else fails. */
  static final class CheckSortedGroup extends DoFn<KV<String, Iterable<KV<Long, Long>>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<Long, Long>>> group, OutputReceiver<String> out) {
      long n = 0;
      long sum = 0;
      long previous = Long.MIN_VALUE;
      for (KV<Long, Long> v : group.getValue()) {
        if (v.getKey() < previous) {
          throw new AssertionError(group.getKey() + ": " + v.getKey() + " after " + previous);
        }
        previous = v.getKey();
        n++;
        sum += v.getValue();
      }
      out.output(group.getKey() + " " + n + " " + sum);
    }
  }

  @Test
  public void sortValuesAfterTheBuiltInGroupByKeySortsEveryGroup() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Map<String, long[]> model = new TreeMap<>();
    for (long i = 0; i < RECORDS; i++) {
      long[] m = model.computeIfAbsent(keyOf(i), k -> new long[2]);
      m[0]++;
      m[1] += valueOf(i);
    }
    List<String> expected = new ArrayList<>();
    model.forEach((k, m) -> expected.add(k + " " + m[0] + " " + m[1]));
    Pipeline p = spark();
    PipelineAsserts.assertSameElements(
        input(p)
            .apply(ParDo.of(new ByTime()))
            .setCoder(
                KvCoder.of(
                    StringUtf8Coder.of(), KvCoder.of(BigEndianLongCoder.of(), VarLongCoder.of())))
            .apply(GroupByKey.create())
            // The hot key's group (15,000 pairs) is larger than the budget's in-memory share.
            .apply(SortValues.<String, Long, Long>create().withOptions(smallBudget(dir)))
            .apply(ParDo.of(new CheckSortedGroup())),
        expected);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * Values and keys larger than the budget among small ones ({@link LargeRecordScenarios}): each
   * written to disk or handed on by itself, the built-ins' groups and sums.
   */
  @Test
  public void valuesAndKeysLargerThanTheBudgetGiveTheBuiltInsResults() throws Exception {
    Path groups = tmp.newFolder().toPath();
    Path sums = tmp.newFolder().toPath();
    Pipeline p = spark();
    LargeRecordScenarios.groupsAsGroupByKey(p, groups, SpillOptions.Shuffle.AUTO, null);
    LargeRecordScenarios.sumsAsCombinePerKey(p, sums);
    LargeRecordScenarios.runAndCheck(p.run(), groups, sums);
  }

  @Test
  public void everyWindowingGivesWhatTheBuiltInsGive() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Pipeline p = spark();
    WindowedScenarios.countedDownstreamInFixedWindows(
        p, smallBudget(dir), WindowedScenarios.Runner.SPARK);
    // 128 KiB: the merge steps spill, and sort sessions through spilled runs.
    WindowedScenarios.allWindowings(
        p,
        SpillOptions.create()
            .withMemoryBudgetBytes(128 << 10)
            .withSpillDirectories(List.of(dir.toString())),
        WindowedScenarios.Runner.SPARK);
    WindowedScenarios.slidingWindows(p, smallBudget(dir), WindowedScenarios.Runner.SPARK);
    WindowedScenarios.customAndCalendarWindows(p, smallBudget(dir), WindowedScenarios.Runner.SPARK);
    WindowedScenarios.processedGroups(p, smallBudget(dir), WindowedScenarios.Runner.SPARK);
    WindowedScenarios.commonCombineFns(
        p,
        SpillOptions.create()
            .withMemoryBudgetBytes(128 << 10)
            .withSpillDirectories(List.of(dir.toString())),
        WindowedScenarios.Runner.SPARK);
    // The 64 KiB minimum, so that the partial tables fill and flush.
    WindowedScenarios.flushedPartials(
        p,
        SpillOptions.create()
            .withMemoryBudgetBytes(64 << 10)
            .withSpillDirectories(List.of(dir.toString()))
            .withFlushedPartials(true),
        WindowedScenarios.Runner.SPARK);
    // Windowings, events and options drawn at random, as WindowingTest draws them.
    RandomWindowings.sameAsBuiltIn(
        p,
        SpillOptions.create()
            .withMemoryBudgetBytes(128 << 10)
            .withSpillDirectories(List.of(dir.toString())),
        WindowedScenarios.Runner.SPARK,
        Long.getLong("spillway.randomSeed", 20261207L),
        Integer.getInteger("spillway.randomCount", 6));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    assertThat(SpillMetrics.total(result, SpillMetrics.FLUSH_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * Spark's batch {@code GroupByKey} streams a group from {@code
   * repartitionAndSortWithinPartitions} only for non-merging windows other than the global one,
   * stamped at their end, and gathers any other in a list: sessions and inputs' timestamps cross
   * spillway's shuffle stamped at the window's end here, and shards of the global window and of
   * sessions in one interval window. Their outputs, panes included, are compared with the
   * built-ins' above.
   */
  @Test
  public void shardsCrossSparksShuffleWhereItStreamsThem() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Pipeline p = spark();
    WindowedScenarios.stampedAtWindowEndBesideBuiltIn(p, smallBudget(dir));
    input(p)
        .apply(SpillingGroupByKey.<String, Long>create().withOptions(smallBudget(dir)))
        .apply(ParDo.of(new ShowGroup()));
    List<WindowingStrategy<?, ?>> shuffles = WindowedScenarios.shuffleWindowings(p);
    assertThat(shuffles.size(), equalTo(13));
    for (WindowingStrategy<?, ?> shuffle : shuffles) {
      assertThat(shuffle.getTimestampCombiner(), equalTo(TimestampCombiner.END_OF_WINDOW));
      assertThat(shuffle.getWindowFn() instanceof GlobalWindows, equalTo(false));
    }
  }

  /** Every sum under one key, so that a count downstream counts the sums of each window. */
  static final class KeyByWindow extends DoFn<KV<String, Long>, KV<String, Long>> {
    @ProcessElement
    public void process(@Element KV<String, Long> kv, OutputReceiver<KV<String, Long>> out) {
      out.output(KV.of("w", kv.getValue()));
    }
  }
}
