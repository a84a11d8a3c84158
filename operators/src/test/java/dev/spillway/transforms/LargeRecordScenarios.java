package dev.spillway.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
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

/**
 * Pipelines of records larger than the whole memory budget among many small ones, spillway's
 * transforms beside Beam's built-ins, each output asserted against an in-memory model; for any
 * runner (the DirectRunner and Flink in runner-tests, Spark in spark-tests). Each such record is
 * written to disk (or handed on) by itself; it was refused, naming its size and the budget, until
 * 2026-12-06.
 */
public final class LargeRecordScenarios {
  /** The budget of every spillway step here: 128 KiB. */
  public static final int BUDGET = 128 << 10;

  private LargeRecordScenarios() {}

  /** {@link #BUDGET}, spilling to {@code dir}. */
  public static SpillOptions budget(Path dir) {
    return SpillOptions.create()
        .withMemoryBudgetBytes(BUDGET)
        .withSpillDirectories(List.of(dir.toString()));
  }

  /** {@code length} random bytes. */
  public static byte[] bytes(Random random, int length) {
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

  /**
   * Adds to {@code pipeline} groups of small values and values of four and six times the budget, by
   * spillway and by Beam, each asserted against the model; in sessions of {@code sessionGap} unless
   * it is null.
   */
  public static void groupsAsGroupByKey(
      Pipeline pipeline, Path dir, SpillOptions.Shuffle shuffle, Duration sessionGap) {
    List<TimestampedValue<KV<String, byte[]>>> stamped = largeValues();
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
                    .withOptions(budget(dir).withShuffle(shuffle)))
            .apply("DescribeOurGroups", ParDo.of(new DescribeGroup()));
    PCollection<String> beams =
        in.apply("BeamGroup", GroupByKey.create())
            .apply("DescribeBeamGroups", ParDo.of(new DescribeGroup()));
    List<String> expected = model(stamped, sessionGap);
    PipelineAsserts.assertSameElements(ours, expected);
    PipelineAsserts.assertSameElements(beams, expected);
  }

  /**
   * Small values over 400 keys and eight values of four and six times the budget, stamped with
   * their position in milliseconds.
   */
  private static List<TimestampedValue<KV<String, byte[]>>> largeValues() {
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
    return stamped;
  }

  /** Describes a group streamed from the engine, read twice; fails if the two reads differ. */
  static final class DescribeStreamed extends GroupProcessor<String, byte[], String> {
    @Override
    public void process(String key, Iterable<byte[]> values, Context<String> c) {
      List<String> first = new ArrayList<>();
      values.forEach(v -> first.add(describe(v)));
      List<String> second = new ArrayList<>();
      values.forEach(v -> second.add(describe(v)));
      if (!first.equals(second)) {
        throw new IllegalStateException("a second read of " + key + " gave other values");
      }
      first.sort(null);
      c.output(key + "=" + first);
    }
  }

  /**
   * Adds to {@code pipeline} the groups of {@link #groupsAsGroupByKey} (global window) streamed
   * from the engine to a {@link GroupProcessor} ({@link SpillingGroupByKey#thenProcess}) that reads
   * each twice, asserted against the model.
   */
  public static void processesGroupsStreamed(Pipeline pipeline, Path dir) {
    List<TimestampedValue<KV<String, byte[]>>> stamped = largeValues();
    PCollection<String> ours =
        pipeline
            .apply(
                "StreamedValues",
                Create.timestamped(stamped)
                    .withCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())))
            .apply(
                "SpillingProcess",
                SpillingGroupByKey.<String, byte[]>create()
                    .withOptions(budget(dir))
                    .thenProcess(new DescribeStreamed()));
    PipelineAsserts.assertSameElements(ours, model(stamped, null));
  }

  /** A sum as its key's length and hash and the sum. */
  static final class DescribeSum extends DoFn<KV<String, Long>, String> {
    @ProcessElement
    public void process(@Element KV<String, Long> sum, OutputReceiver<String> out) {
      out.output(sum.getKey().length() + ":" + sum.getKey().hashCode() + "=" + sum.getValue());
    }
  }

  /**
   * Adds to {@code pipeline} sums over keys of two and three times the budget, five times each
   * among 300 small keys, by spillway and by Beam, each asserted against the model.
   */
  public static void sumsAsCombinePerKey(Pipeline pipeline, Path dir) {
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
                SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs()).withOptions(budget(dir)))
            .apply("DescribeOurSums", ParDo.of(new DescribeSum())),
        expected);
    PipelineAsserts.assertSameElements(
        in.apply("BeamSum", Sum.longsPerKey())
            .apply("DescribeBeamSums", ParDo.of(new DescribeSum())),
        expected);
  }

  /** Runs to the end, checks that large records were counted and that nothing is left. */
  public static void runAndCheck(PipelineResult result, Path... dirs) {
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.LARGE_RECORDS), greaterThan(0L));
    for (Path dir : dirs) {
      PipelineAsserts.assertEmpty(dir);
    }
  }
}
