package dev.spillway.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import dev.spillway.transforms.GroupProcessor;
import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillingGroupByKey;
import dev.spillway.transforms.WindowedScenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.Iterables;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** SpillingGroupByKey.thenProcess: groups streamed from the engine, against a model. */
public class ProcessGroupsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  /**
   * "key=count/sum"; iterates twice (nesting a partial iteration in the first) and fails unless
   * both give the same values in the same order (an order-sensitive checksum).
   */
  static final class CountAndChecksum extends GroupProcessor<Integer, Long, String> {
    @Override
    public void process(Integer key, Iterable<Long> values, Context<String> context) {
      long[] first = fold(values, true);
      long[] second = fold(values, false);
      if (first[0] != second[0] || first[1] != second[1] || first[2] != second[2]) {
        throw new AssertionError("iterations differ for key " + key);
      }
      context.output(key + "=" + first[0] + "/" + first[2]);
    }

    private static long[] fold(Iterable<Long> values, boolean nest) {
      long n = 0;
      long checksum = 0;
      long sum = 0;
      for (long v : values) {
        if (nest && n == 0) {
          Iterator<Long> inner = values.iterator();
          if (!inner.hasNext() || inner.next() != v) {
            throw new AssertionError("a nested iteration does not start at the first value");
          }
        }
        n++;
        checksum = checksum * 31 + v;
        sum += v;
      }
      return new long[] {n, checksum, sum};
    }
  }

  /** A hot key with more values than the budget, among many small keys, iterated twice. */
  static List<KV<Integer, Long>> hotKeyInput(Map<Integer, long[]> model) {
    Random random = new Random(21);
    List<KV<Integer, Long>> data = new ArrayList<>();
    for (int i = 0; i < 60_000; i++) {
      int key = random.nextInt(2) == 0 ? 0 : 1 + random.nextInt(3_000);
      long value = random.nextInt(1 << 30);
      data.add(KV.of(key, value));
      long[] m = model.computeIfAbsent(key, k -> new long[2]);
      m[0]++;
      m[1] += value;
    }
    return data;
  }

  static List<String> expected(Map<Integer, long[]> model) {
    List<String> out = new ArrayList<>();
    model.forEach((k, m) -> out.add(k + "=" + m[0] + "/" + m[1]));
    return out;
  }

  @Test
  public void aHotKeyLargerThanTheBudgetIsStreamedAndReadTwice() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Map<Integer, long[]> model = new HashMap<>();
    List<KV<Integer, Long>> data = hotKeyInput(model);
    Map<Integer, Long> counts = new HashMap<>();
    model.forEach((k, m) -> counts.put(k, m[0]));
    // Order across bundles is not defined, so compare counts and order-free sums here.
    PCollection<String> out =
        p.apply(Create.of(data).withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())))
            .apply(
                SpillingGroupByKey.<Integer, Long>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 128 << 10))
                    .thenProcess(new CountTwice()));
    List<String> expected = new ArrayList<>();
    counts.forEach((k, n) -> expected.add(k + "=" + n + "," + n));
    PipelineAsserts.assertSameElements(out, expected);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  @Test
  public void valuesReadTwiceNestedAndPartiallyGiveTheSameValuesInTheSameOrder() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Map<Integer, long[]> model = new HashMap<>();
    PipelineAsserts.assertSameElements(
        p.apply(
                Create.of(hotKeyInput(model))
                    .withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())))
            .apply(
                SpillingGroupByKey.<Integer, Long>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 128 << 10).withShards(4))
                    .thenProcess(new CountAndChecksum())),
        expected(model));
    p.run().waitUntilFinish();
    PipelineAsserts.assertEmpty(dir);
  }

  static final AtomicReference<Iterable<Long>> KEPT = new AtomicReference<>();
  static final AtomicReference<Iterator<Long>> KEPT_ITERATOR = new AtomicReference<>();

  @Test
  public void valuesKeptPastTheCallFailClearly() throws Exception {
    Path dir = tmp.newFolder().toPath();
    p.apply(
            Create.of(KV.of(1, 1L), KV.of(1, 2L))
                .withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())))
        .apply(
            SpillingGroupByKey.<Integer, Long>create()
                .withOptions(PipelineSupport.smallBudget(dir, 128 << 10))
                .thenProcess(new KeepValues()));
    p.run().waitUntilFinish();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> KEPT.get().iterator());
    assertThat(e.getMessage(), containsString("only while GroupProcessor.process runs"));
    assertThrows(IllegalStateException.class, () -> KEPT_ITERATOR.get().hasNext());
    PipelineAsserts.assertEmpty(dir);
  }

  @Test
  public void aGroupTooLargeToHandDownstreamFailsNamingTheStreamingForm() throws Exception {
    Path dir = tmp.newFolder().toPath();
    List<KV<Integer, Long>> data = new ArrayList<>();
    for (long i = 0; i < 20_000; i++) {
      data.add(KV.of(7, i));
    }
    p.apply(Create.of(data).withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())))
        .apply(
            SpillingGroupByKey.<Integer, Long>create()
                .withOptions(
                    PipelineSupport.smallBudget(dir, 128 << 10).withMaxGroupBytes(10_000)));
    Pipeline.PipelineExecutionException e =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> p.run().waitUntilFinish());
    assertThat(e.getMessage(), containsString("more than 10000 bytes"));
    assertThat(e.getMessage(), containsString("thenProcess(GroupProcessor)"));
    PipelineAsserts.awaitEmpty(dir, 10_000);
  }

  /**
   * "key=count/checksum" over values sorted by their pairs' keys; fails unless the values come
   * sorted and two iterations agree.
   */
  static final class SortedChecksum extends GroupProcessor<Integer, KV<Long, String>, String> {
    @Override
    public void process(Integer key, Iterable<KV<Long, String>> values, Context<String> c) {
      long[] first = fold(values);
      long[] second = fold(values);
      if (first[0] != second[0] || first[1] != second[1]) {
        throw new AssertionError("iterations differ for key " + key);
      }
      c.output(key + "=" + first[0] + "/" + first[1]);
    }

    private static long[] fold(Iterable<KV<Long, String>> values) {
      long n = 0;
      long checksum = 0;
      long previous = Long.MIN_VALUE;
      for (KV<Long, String> v : values) {
        if (v.getKey() < previous) {
          throw new AssertionError(v.getKey() + " after " + previous);
        }
        previous = v.getKey();
        n++;
        checksum = checksum * 31 + v.getKey() * 7 + v.getValue().hashCode();
      }
      return new long[] {n, checksum};
    }
  }

  @Test
  public void sortedGroupsComeOrderedByTheirPairsKeysAndReadTwice() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Random random = new Random(5);
    Map<Integer, List<KV<Long, String>>> model = new HashMap<>();
    List<KV<Integer, KV<Long, String>>> data = new ArrayList<>();
    for (int i = 0; i < 40_000; i++) {
      int key = random.nextInt(2) == 0 ? 0 : 1 + random.nextInt(2_000);
      // Distinct secondary keys, so that the order of a group is fully defined.
      KV<Long, String> value = KV.of((long) random.nextInt(1 << 20) * 100_000 + i, "v" + i);
      data.add(KV.of(key, value));
      model.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    List<String> expected = new ArrayList<>();
    model.forEach(
        (k, values) -> {
          values.sort((a, b) -> Long.compare(a.getKey(), b.getKey()));
          long checksum = 0;
          for (KV<Long, String> v : values) {
            checksum = checksum * 31 + v.getKey() * 7 + v.getValue().hashCode();
          }
          expected.add(k + "=" + values.size() + "/" + checksum);
        });
    PCollection<String> out =
        p.apply(
                Create.of(data)
                    .withCoder(
                        KvCoder.of(
                            VarIntCoder.of(),
                            KvCoder.of(BigEndianLongCoder.of(), StringUtf8Coder.of()))))
            .apply(
                SpillingGroupByKey.<Integer, KV<Long, String>>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 128 << 10).withShards(4))
                    .thenProcessSorted(new SortedChecksum()));
    PipelineAsserts.assertSameElements(out, expected);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  @Test
  public void sortedGroupsNeedPairsAsValues() {
    PCollection<KV<Integer, Long>> in =
        p.apply(Create.of(KV.of(1, 1L)).withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                in.apply(
                    SpillingGroupByKey.<Integer, Long>create()
                        .thenProcessSorted(new CountTwice())));
    assertThat(e.getMessage(), containsString("must use a KvCoder"));
    p.enableAbandonedNodeEnforcement(false);
  }

  /**
   * Sessions: each merged session's values streamed to the processor (read twice) in the session's
   * window, at its timestamp, in its pane, as a count after Beam's {@code GroupByKey} gives them;
   * one key's single session holds more values than the budget, others have several sessions.
   */
  @Test
  public void sessionsLargerThanTheBudgetAreProcessedInTheirMergedWindows() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PCollection<KV<String, Long>> in = sessionEvents();
    PCollection<KV<String, Long>> ours =
        in.apply(
            "Ours",
            SpillingGroupByKey.<String, Long>create()
                .withOptions(PipelineSupport.smallBudget(dir, 128 << 10))
                .thenProcess(new CountTwiceByName())
                .withOutputCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
    countsAsTheBuiltInGroupsGiveThem(in, ours, dir);
  }

  /**
   * The sorted form in sessions: each merged session's pairs in the order of their keys (the
   * processor fails otherwise), read twice, the counts and their windows, timestamps and panes as a
   * count after Beam's {@code GroupByKey}; the hot session holds more pairs than the budget.
   */
  @Test
  public void sortedSessionsLargerThanTheBudgetComeOrderedByTheirPairsKeys() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PCollection<KV<String, Long>> in = sessionEvents();
    PCollection<KV<String, Long>> ours =
        in.apply(
                "Pairs",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(),
                            TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptors.longs())))
                    // Pair keys in no order of the input's: the value scrambled.
                    .via(e -> KV.of(e.getKey(), KV.of(e.getValue() * 0x9E3779B97F4A7C15L, 1L))))
            .setCoder(
                KvCoder.of(
                    StringUtf8Coder.of(), KvCoder.of(BigEndianLongCoder.of(), VarLongCoder.of())))
            .apply(
                "Ours",
                SpillingGroupByKey.<String, KV<Long, Long>>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 128 << 10))
                    .thenProcessSorted(new CountOrderedTwice())
                    .withOutputCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
    countsAsTheBuiltInGroupsGiveThem(in, ours, dir);
  }

  /**
   * 40,000 events in sessions of a 5 s gap, with the earliest timestamps: half of them a hot key's,
   * 1 ms apart on average (one session), the rest 200 keys' with several sessions each.
   */
  private PCollection<KV<String, Long>> sessionEvents() {
    Random random = new Random(31);
    List<TimestampedValue<KV<String, Long>>> events = new ArrayList<>();
    for (int i = 0; i < 40_000; i++) {
      boolean hot = i % 2 == 0;
      long time = hot ? random.nextInt(20_000) : random.nextInt(2_000_000) - 1_000_000;
      String key = hot ? "hot" : "k" + random.nextInt(200);
      events.add(TimestampedValue.of(KV.of(key, 1L + random.nextInt(1 << 20)), new Instant(time)));
    }
    return WindowedScenarios.input(p, "Events", events)
        .apply(
            Window.<KV<String, Long>>into(Sessions.withGapDuration(Duration.millis(5_000)))
                .withTimestampCombiner(TimestampCombiner.EARLIEST));
  }

  /**
   * Asserts that {@code ours}, a count per key and session, is what counting after Beam's {@code
   * GroupByKey} gives, window, timestamp and pane; that the hot session was one of more values than
   * the budget holds; then runs the pipeline and checks it spilled and left nothing in {@code dir}.
   */
  private void countsAsTheBuiltInGroupsGiveThem(
      PCollection<KV<String, Long>> in, PCollection<KV<String, Long>> ours, Path dir) {
    PCollection<KV<String, Long>> beams =
        in.apply("Beam", GroupByKey.create())
            .apply(
                "BeamCount",
                MapElements.into(
                        TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.longs()))
                    .via(g -> KV.of(g.getKey(), (long) Iterables.size(g.getValue()))));
    WindowedScenarios.assertSame(
        "Sessions",
        ours.apply("DescribeOurs", WindowedScenarios.describe(WindowedScenarios.Panes.ALL)),
        beams.apply("DescribeBeams", WindowedScenarios.describe(WindowedScenarios.Panes.ALL)));
    PAssert.that(ours.apply("HotSessions", Filter.by(e -> e.getKey().equals("hot"))))
        .satisfies(
            hot -> {
              assertThat("one hot session", Iterables.size(hot), is(1));
              // 8 bytes or more a value with its timestamp: more than 128 KiB.
              assertThat(hot.iterator().next().getValue(), greaterThan(19_000L));
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /** A key and its values counted twice, failing if the two counts differ. */
  static final class CountTwiceByName extends GroupProcessor<String, Long, KV<String, Long>> {
    @Override
    public void process(String key, Iterable<Long> values, Context<KV<String, Long>> c) {
      long first = Iterables.size(values);
      long second = Iterables.size(values);
      if (first != second) {
        throw new AssertionError(key + ": " + first + " values, then " + second);
      }
      c.output(KV.of(key, first));
    }
  }

  /** A key's pairs counted twice, failing unless they come in their keys' order both times. */
  static final class CountOrderedTwice
      extends GroupProcessor<String, KV<Long, Long>, KV<String, Long>> {
    @Override
    public void process(String key, Iterable<KV<Long, Long>> values, Context<KV<String, Long>> c) {
      long first = countOrdered(key, values);
      long second = countOrdered(key, values);
      if (first != second) {
        throw new AssertionError(key + ": " + first + " pairs, then " + second);
      }
      c.output(KV.of(key, first));
    }

    private static long countOrdered(String key, Iterable<KV<Long, Long>> values) {
      long n = 0;
      long last = Long.MIN_VALUE;
      for (KV<Long, Long> v : values) {
        // Big-endian bytes compare as unsigned: the order of the longs plus 2^63.
        long k = v.getKey() ^ Long.MIN_VALUE;
        if (n > 0 && k < last) {
          throw new AssertionError(key + ": pair key " + v.getKey() + " out of order");
        }
        last = k;
        n++;
      }
      return n;
    }
  }

  /**
   * With {@code FIRE_ALWAYS} the processor also runs, on no values, in the closing pane that Beam's
   * {@code GroupByKey} fires empty for every key and window as their lateness ends, as a {@code
   * ParDo} after the built-in would: where the watermark passes some windows' end and lateness in
   * two steps and others' at once, in steps fixed so that every pane compares.
   */
  @Test
  public void closingPanesAreTheBuiltIns() throws Exception {
    List<TimestampedValue<KV<String, Long>>> events = WindowedScenarios.events(4, 2_000, 50, 1_000);
    sumsAreTheBuiltIns(
        WindowedScenarios.inputInSteps(p, "Events", events, 500, 1_200)
            .apply(
                Window.<KV<String, Long>>into(FixedWindows.of(Duration.millis(100)))
                    .withAllowedLateness(
                        Duration.standardSeconds(1), Window.ClosingBehavior.FIRE_ALWAYS)
                    .discardingFiredPanes()));
  }

  /** Windows and EARLIEST timestamps as the built-in gives them. */
  @Test
  public void windowsAndTimestampsAreTheBuiltIns() throws Exception {
    List<TimestampedValue<KV<String, Long>>> events = WindowedScenarios.events(3, 2_000, 50, 1_000);
    sumsAreTheBuiltIns(
        WindowedScenarios.input(p, "Events", events)
            .apply(
                Window.<KV<String, Long>>into(FixedWindows.of(Duration.millis(100)))
                    .withTimestampCombiner(TimestampCombiner.EARLIEST)));
  }

  /**
   * Sums by a processor beside the built-in {@code Combine.perKey} of {@code in}: the same outputs,
   * each with its window, timestamp and pane.
   */
  private void sumsAreTheBuiltIns(PCollection<KV<String, Long>> in) throws Exception {
    Path dir = tmp.newFolder().toPath();
    PCollection<KV<String, Long>> ours =
        in.apply(
            "Ours",
            SpillingGroupByKey.<String, Long>create()
                .withOptions(PipelineSupport.smallBudget(dir, 128 << 10))
                .thenProcess(new WindowedScenarios.SumValues())
                .withOutputCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
    PCollection<KV<String, Long>> beams = in.apply("Beam", Combine.perKey(Sum.ofLongs()));
    WindowedScenarios.assertSame(
        "Processed",
        ours.apply("DescribeOurs", WindowedScenarios.describe(WindowedScenarios.Panes.ALL)),
        beams.apply("DescribeBeams", WindowedScenarios.describe(WindowedScenarios.Panes.ALL)));
    p.run().waitUntilFinish();
    PipelineAsserts.assertEmpty(dir);
  }

  /** "key=n,n": counts the values twice. */
  static final class CountTwice extends GroupProcessor<Integer, Long, String> {
    @Override
    public void process(Integer key, Iterable<Long> values, Context<String> c) {
      long n = 0;
      for (long ignored : values) {
        n++;
      }
      long again = 0;
      for (long ignored : values) {
        again++;
      }
      c.output(key + "=" + n + "," + again);
    }
  }

  /** Keeps the values and an iterator past the call, as users must not. */
  static final class KeepValues extends GroupProcessor<Integer, Long, Long> {
    @Override
    public void process(Integer key, Iterable<Long> values, Context<Long> c) {
      KEPT.set(values);
      KEPT_ITERATOR.set(values.iterator());
      c.output(1L);
    }
  }
}
