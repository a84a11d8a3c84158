package dev.spillway.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SortValues;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Values and keys larger than the whole memory budget, among many small ones, give what Beam's
 * built-ins give: each such record is written to disk (or handed on) by itself instead of being
 * refused (it was refused, naming its size and the budget, until 2026-12-06), and nothing is left
 * behind.
 */
public class LargeValuesTest {
  private static final int BUDGET = 128 << 10;

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static byte[] bytes(Random random, int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  /**
   * A group as its key, its window (sessions only) and its values' lengths and hashes, sorted:
   * GroupByKey has no order.
   */
  static final class DescribeGroup extends DoFn<KV<String, Iterable<byte[]>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<byte[]>> group,
        BoundedWindow window,
        OutputReceiver<String> out) {
      List<String> values = new ArrayList<>();
      group.getValue().forEach(v -> values.add(describe(v)));
      values.sort(null);
      String where = window instanceof IntervalWindow ? "@" + window : "";
      out.output(group.getKey() + where + "=" + values);
    }
  }

  private static String describe(byte[] value) {
    return value.length + ":" + Arrays.hashCode(value);
  }

  /** The groups described: per key, or per key and session of {@code gap} when not null. */
  private static List<String> model(
      List<TimestampedValue<KV<String, byte[]>>> stamped, Duration gap) {
    Map<String, List<TimestampedValue<KV<String, byte[]>>>> byKey = new TreeMap<>();
    for (TimestampedValue<KV<String, byte[]>> e : stamped) {
      byKey.computeIfAbsent(e.getValue().getKey(), k -> new ArrayList<>()).add(e);
    }
    List<String> out = new ArrayList<>();
    byKey.forEach(
        (key, elements) -> {
          // Elements come in timestamp order: a session ends where the next one starts a gap on.
          List<String> values = new ArrayList<>();
          Instant start = elements.get(0).getTimestamp();
          Instant end = start;
          for (TimestampedValue<KV<String, byte[]>> e : elements) {
            if (gap != null && !e.getTimestamp().isBefore(end.plus(gap))) {
              values.sort(null);
              out.add(key + "@" + new IntervalWindow(start, end.plus(gap)) + "=" + values);
              values = new ArrayList<>();
              start = e.getTimestamp();
            }
            end = e.getTimestamp();
            values.add(describe(e.getValue().getValue()));
          }
          values.sort(null);
          String where = gap == null ? "" : "@" + new IntervalWindow(start, end.plus(gap));
          out.add(key + where + "=" + values);
        });
    return out;
  }

  @Test
  public void valuesLargerThanTheBudgetAreGroupedAsByGroupByKey() throws Exception {
    groupsAsGroupByKey(SpillOptions.Shuffle.AUTO, null);
  }

  private void groupsAsGroupByKey(SpillOptions.Shuffle shuffle, Duration sessionGap)
      throws Exception {
    Path dir = tmp.newFolder().toPath();
    groupsAsGroupByKey(p, dir, shuffle, sessionGap);
    runAndCheck(p.run(), dir);
  }

  /** The partial step's blocks through the runner's shuffle instead of files. */
  @Test
  public void valuesLargerThanTheBudgetAreGroupedAsByGroupByKeyThroughTheRunnersShuffle()
      throws Exception {
    groupsAsGroupByKey(SpillOptions.Shuffle.RUNNER, null);
  }

  /**
   * Sessions of 10 ms over elements stamped with their position (a key's elements 20 ms apart on
   * average: single ones and merged runs); the merge step sorts a shard's records by key and window
   * start, large values among them.
   */
  @Test
  public void valuesLargerThanTheBudgetAreGroupedInSessionsAsByGroupByKey() throws Exception {
    groupsAsGroupByKey(SpillOptions.Shuffle.AUTO, Duration.millis(10));
  }

  /**
   * Adds to {@code pipeline} groups of small values and values of four and six times the budget, by
   * spillway and by Beam, each asserted against the model; in sessions of {@code sessionGap} unless
   * it is null.
   */
  private static void groupsAsGroupByKey(
      Pipeline pipeline, Path dir, SpillOptions.Shuffle shuffle, Duration sessionGap) {
    Random random = new Random(5);
    List<KV<String, byte[]>> data = new ArrayList<>();
    for (int i = 0; i < 8_000; i++) {
      data.add(KV.of("k" + random.nextInt(400), bytes(random, random.nextInt(20))));
      if (i % 2_000 == 1_000) {
        data.add(KV.of("k7", bytes(random, 4 * BUDGET + i))); // beside small values of k7
        data.add(KV.of("alone" + i, bytes(random, 6 * BUDGET)));
      }
    }
    List<TimestampedValue<KV<String, byte[]>>> stamped = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      stamped.add(TimestampedValue.of(data.get(i), new Instant(i)));
    }
    PCollection<KV<String, byte[]>> in =
        pipeline.apply(
            "Values",
            Create.timestamped(stamped)
                .withCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())));
    if (sessionGap != null) {
      in = in.apply("Sessions", Window.into(Sessions.withGapDuration(sessionGap)));
    }
    PCollection<String> ours =
        in.apply(
                "SpillingGroup",
                SpillingGroupByKey.<String, byte[]>create()
                    .withOptions(PipelineSupport.smallBudget(dir, BUDGET).withShuffle(shuffle)))
            .apply("DescribeOurGroups", ParDo.of(new DescribeGroup()));
    PCollection<String> beams =
        in.apply("BeamGroup", GroupByKey.create())
            .apply("DescribeBeamGroups", ParDo.of(new DescribeGroup()));
    List<String> expected = model(stamped, sessionGap);
    PipelineAsserts.assertSameElements(ours, expected);
    PipelineAsserts.assertSameElements(beams, expected);
  }

  /** A sum as its key's length and hash and the sum. */
  static final class DescribeSum extends DoFn<KV<String, Long>, String> {
    @ProcessElement
    public void process(@Element KV<String, Long> sum, OutputReceiver<String> out) {
      out.output(sum.getKey().length() + ":" + sum.getKey().hashCode() + "=" + sum.getValue());
    }
  }

  /**
   * Keys of two and three times the budget, five times each among small keys: the combine's steps
   * hand them on or spill them one record at a time, and the sums are the built-in's.
   */
  @Test
  public void keysLargerThanTheBudgetAreSummedAsByCombinePerKey() throws Exception {
    Path dir = tmp.newFolder().toPath();
    sumsAsCombinePerKey(p, dir);
    runAndCheck(p.run(), dir);
  }

  /**
   * Adds to {@code pipeline} sums over keys of two and three times the budget, five times each
   * among 300 small keys, by spillway and by Beam, each asserted against the model.
   */
  private static void sumsAsCombinePerKey(Pipeline pipeline, Path dir) {
    Random random = new Random(7);
    String[] largeKeys = {"a".repeat(2 * BUDGET), "b".repeat(3 * BUDGET)};
    List<KV<String, Long>> data = new ArrayList<>();
    Map<String, Long> model = new TreeMap<>();
    for (int i = 0; i < 20_000; i++) {
      String key = i % 2_000 == 3 ? largeKeys[i / 2_000 % 2] : "k" + random.nextInt(300);
      long value = random.nextInt(1_000);
      data.add(KV.of(key, value));
      model.merge(key, value, Long::sum);
    }
    List<String> expected = new ArrayList<>();
    model.forEach((k, sum) -> expected.add(k.length() + ":" + k.hashCode() + "=" + sum));
    PCollection<KV<String, Long>> in =
        pipeline.apply(
            "Sums", Create.of(data).withCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
    PipelineAsserts.assertSameElements(
        in.apply(
                "SpillingSum",
                SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())
                    .withOptions(PipelineSupport.smallBudget(dir, BUDGET)))
            .apply("DescribeOurSums", ParDo.of(new DescribeSum())),
        expected);
    PipelineAsserts.assertSameElements(
        in.apply("BeamSum", Sum.longsPerKey())
            .apply("DescribeBeamSums", ParDo.of(new DescribeSum())),
        expected);
  }

  /** Runs to the end, checks that large records were counted and that nothing is left. */
  private static void runAndCheck(PipelineResult result, Path... dirs) {
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.LARGE_RECORDS), greaterThan(0L));
    for (Path dir : dirs) {
      PipelineAsserts.assertEmpty(dir);
    }
  }

  /**
   * Both, on Beam's Flink runner (embedded, two subtasks): the runner's shuffle carries the large
   * records' blocks, and the engines of both subtasks share the budget.
   */
  @Test
  public void onFlinkLargeValuesAndKeysGiveTheBuiltInsResults() throws Exception {
    Path groups = tmp.newFolder().toPath();
    Path sums = tmp.newFolder().toPath();
    Pipeline flink = Pipeline.create(PipelineSupport.localFlink());
    groupsAsGroupByKey(flink, groups, SpillOptions.Shuffle.AUTO, null);
    sumsAsCombinePerKey(flink, sums);
    runAndCheck(flink.run(), groups, sums);
  }

  /** A sorted group as its key and each value's secondary key, length and hash, in order. */
  static final class DescribeSorted extends DoFn<KV<String, Iterable<KV<Long, byte[]>>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<Long, byte[]>>> group, OutputReceiver<String> out) {
      out.output(group.getKey() + "=" + describeSorted(group.getValue()));
    }
  }

  private static String describeSorted(Iterable<KV<Long, byte[]>> values) {
    List<String> out = new ArrayList<>();
    for (KV<Long, byte[]> v : values) {
      out.add(v.getKey() + ":" + v.getValue().length + ":" + Arrays.hashCode(v.getValue()));
    }
    return out.toString();
  }

  @Test
  public void valuesLargerThanTheBudgetAreSortedAsTheModelSortsThem() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Random random = new Random(6);
    List<KV<String, Iterable<KV<Long, byte[]>>>> groups = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int g = 0; g < 3; g++) {
      List<KV<Long, byte[]>> values = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        // Distinct secondary keys, so that the order is the model's whatever the sort's stability.
        int size = i % 1_000 == 500 ? 3 * BUDGET + i : random.nextInt(30);
        values.add(KV.of(i * 7_919L % 3_001 + 1_000L * g, bytes(random, size)));
      }
      groups.add(KV.of("g" + g, values));
      List<KV<Long, byte[]>> sorted = new ArrayList<>(values);
      sorted.sort(Comparator.comparing(KV::getKey));
      expected.add("g" + g + "=" + describeSorted(sorted));
    }
    PCollection<String> ours =
        p.apply(
                Create.of(groups)
                    .withCoder(
                        KvCoder.of(
                            StringUtf8Coder.of(),
                            org.apache.beam.sdk.coders.IterableCoder.of(
                                KvCoder.of(BigEndianLongCoder.of(), ByteArrayCoder.of())))))
            .apply(
                SortValues.<String, Long, byte[]>create()
                    .withOptions(PipelineSupport.smallBudget(dir, BUDGET)))
            .apply(ParDo.of(new DescribeSorted()));
    PipelineAsserts.assertSameElements(ours, expected);
    runAndCheck(p.run(), dir);
  }
}
