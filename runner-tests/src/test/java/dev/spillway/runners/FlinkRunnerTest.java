package dev.spillway.runners;

import static org.junit.Assert.assertTrue;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SortValues;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The three transforms on an existing distributed engine: Beam's Flink runner in its embedded local
 * mode ({@code --runner=FlinkRunner --flinkMaster=[local]}), with two parallel subtasks, so bundles
 * run concurrently and share one memory budget; and attempts that fail midway, restarted by Flink,
 * giving each key once and leaving no spill file.
 */
public class FlinkRunnerTest {
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void combineGroupAndSortOnFlinkEqualTheModel() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Pipeline p = Pipeline.create(PipelineSupport.localFlink());
    combineGroupAndSortAgainstTheModel(p, dir);
    p.run().waitUntilFinish();
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * Sums per key (spillway's and Beam's), a combine feeding a combine, and a group whose values are
   * then sorted, every spillway step on one 256 KiB pool spilling to {@code dir}; each output
   * asserted against an in-memory model.
   */
  static void combineGroupAndSortAgainstTheModel(Pipeline p, Path dir) {
    Random random = new Random(7);
    List<KV<Integer, Long>> data = new ArrayList<>();
    Map<Integer, Long> sums = new HashMap<>();
    Map<Integer, List<Long>> groups = new HashMap<>();
    for (int i = 0; i < 30_000; i++) {
      int key = random.nextInt(3) == 0 ? 0 : random.nextInt(1_000);
      long value = random.nextInt(1_000_000);
      data.add(KV.of(key, value));
      sums.merge(key, value, Long::sum);
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    PCollection<KV<Integer, Long>> in =
        p.apply(Create.of(data).withCoder(KvCoder.of(VarIntCoder.of(), BigEndianLongCoder.of())));

    List<KV<Integer, Long>> expectedSums = new ArrayList<>();
    sums.forEach((k, v) -> expectedSums.add(KV.of(k, v)));
    PipelineAsserts.assertSameElements(
        in.apply(
            "Sum",
            SpillingCombine.<Integer, Long, Long>perKey(Sum.ofLongs())
                .withOptions(PipelineSupport.smallBudget(dir, 256 << 10))),
        expectedSums);
    PipelineAsserts.assertSameElements(
        in.apply("BeamSum", Combine.perKey(Sum.ofLongs())), expectedSums);

    // A combine feeding the next combine on the same budget: Flink chains the second's engines
    // (one per bundle) after the first's merge step, which hands out sums it holds in memory.
    Map<Long, Long> keysPerDigit = new HashMap<>();
    sums.values().forEach(sum -> keysPerDigit.merge(sum % 10, 1L, Long::sum));
    List<KV<Long, Long>> expectedKeysPerDigit = new ArrayList<>();
    keysPerDigit.forEach((digit, keys) -> expectedKeysPerDigit.add(KV.of(digit, keys)));
    PipelineAsserts.assertSameElements(
        in.apply(
                "SumAgain",
                SpillingCombine.<Integer, Long, Long>perKey(Sum.ofLongs())
                    .withOptions(PipelineSupport.smallBudget(dir, 256 << 10)))
            .apply(
                "LastDigit",
                MapElements.into(
                        TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptors.longs()))
                    .via(kv -> KV.of(kv.getValue() % 10, 1L)))
            .setCoder(KvCoder.of(BigEndianLongCoder.of(), BigEndianLongCoder.of()))
            .apply(
                "KeysPerDigit",
                SpillingCombine.<Long, Long, Long>perKey(Sum.ofLongs())
                    .withOptions(PipelineSupport.smallBudget(dir, 256 << 10))),
        expectedKeysPerDigit);

    // Group, then sort each group's values by themselves as secondary keys.
    List<String> expectedSorted = new ArrayList<>();
    groups.forEach(
        (k, vs) -> {
          List<Long> sorted = new ArrayList<>(vs);
          sorted.sort(Comparator.naturalOrder());
          expectedSorted.add(k + "=" + sorted);
        });
    PCollection<String> sorted =
        in.apply(
                "Pairs",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.integers(),
                            TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptors.longs())))
                    .via(kv -> KV.of(kv.getKey(), KV.of(kv.getValue(), kv.getValue()))))
            .setCoder(
                KvCoder.of(
                    VarIntCoder.of(), KvCoder.of(BigEndianLongCoder.of(), BigEndianLongCoder.of())))
            .apply(
                "Group",
                SpillingGroupByKey.<Integer, KV<Long, Long>>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 256 << 10)))
            // One pool for every step: Flink chains the sort after the group's merge step on one
            // thread, so the sort's engine starts while the group's is handing out its output.
            .apply(
                "Sort",
                SortValues.<Integer, Long, Long>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 256 << 10)))
            .apply("Describe", ParDo.of(new DescribeSorted()));
    PipelineAsserts.assertSameElements(sorted, expectedSorted);
  }

  @Test
  public void attemptsThatFailMidwayAreRetriedByFlinkAndEachKeyComesOutOnce() throws Exception {
    retriedAttemptsGiveEachKeyOnce(false);
  }

  /**
   * The same on Flink's DataStream translation of batch, where the merge step spools each shard to
   * disk itself: the spooled files of the attempts Flink cancels go too.
   */
  @Test
  public void attemptsThatFailMidwayAreRetriedOnFlinksDataStreamBatchToo() throws Exception {
    retriedAttemptsGiveEachKeyOnce(true);
  }

  private void retriedAttemptsGiveEachKeyOnce(boolean dataStream) throws Exception {
    Path dir = tmp.newFolder().toPath();
    // Beam's Flink runner applies --numberOfExecutionRetries to streaming jobs only; a batch
    // job's restart strategy comes from the Flink configuration.
    FlinkPipelineOptions options =
        PipelineSupport.localFlink(
            tmp.newFolder().toPath(),
            "restart-strategy.type: fixed-delay\n"
                + "restart-strategy.fixed-delay.attempts: 3\n"
                + "restart-strategy.fixed-delay.delay: 0 s\n");
    options.setUseDataStreamForBatch(dataStream);
    Pipeline p = Pipeline.create(options);

    Random random = new Random(11);
    List<KV<Integer, Long>> data = new ArrayList<>();
    Map<Integer, Long> sums = new HashMap<>();
    for (int i = 0; i < 60_000; i++) {
      int key = random.nextInt(5_000);
      long value = random.nextInt(1_000_000);
      data.add(KV.of(key, value));
      sums.merge(key, value, Long::sum);
    }
    List<KV<Integer, Long>> expected = new ArrayList<>();
    sums.forEach((k, v) -> expected.add(KV.of(k, v)));
    PCollection<KV<Integer, Long>> in =
        p.apply(Create.of(data).withCoder(KvCoder.of(VarIntCoder.of(), BigEndianLongCoder.of())));

    // Fails once while adding input before the shuffle (engines mid-spill), and once while
    // extracting outputs after it. 512 KiB: each subtask's thread runs both transforms' first
    // engines at once (Flink chains them after the source), and the second steps' engines run
    // beside them; at 128 KiB they starved each other (see RELIABILITY.md, fused engines).
    FailingOnceSum.reset();
    SumGroupsFailingOnce.SEEN.set(0);
    SumGroupsFailingOnce.FAILED.set(false);
    PipelineAsserts.assertSameElements(
        in.apply(
            "Sum",
            SpillingCombine.<Integer, Long, Long>perKey(new FailingOnceSum())
                .withOptions(PipelineSupport.smallBudget(dir, 512 << 10))),
        expected);
    // Fails once downstream of a group, while the group's engine hands out its output.
    PipelineAsserts.assertSameElements(
        in.apply(
                "Group",
                SpillingGroupByKey.<Integer, Long>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 512 << 10)))
            .apply("SumGroups", ParDo.of(new SumGroupsFailingOnce())),
        expected);

    org.apache.beam.sdk.PipelineResult result = p.run();
    result.waitUntilFinish();
    assertTrue("the engines spilled", SpillMetrics.total(result, SpillMetrics.SPILL_COUNT) > 0);
    assertTrue("the input failure happened", FailingOnceSum.FAILED_ADDING.get());
    assertTrue("the output failure happened", FailingOnceSum.FAILED_EXTRACTING.get());
    assertTrue("the downstream failure happened", SumGroupsFailingOnce.FAILED.get());
    // Flink does not tear down the DoFns of the attempts it cancels; their engines are closed
    // by the cleaner once those DoFns are collected.
    PipelineAsserts.awaitEmptyCollectingGarbage(dir, 30_000);
  }

  @Test
  public void groupsStreamedFromTheEngineOnFlinkAreReadTwiceAndEqualTheModel() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Pipeline p = Pipeline.create(PipelineSupport.localFlink());
    Map<Integer, long[]> model = new HashMap<>();
    PipelineAsserts.assertSameElements(
        p.apply(
                Create.of(ProcessGroupsTest.hotKeyInput(model))
                    .withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())))
            .apply(
                SpillingGroupByKey.<Integer, Long>create()
                    // 128 KiB: less than the hot key's values, so its merge step spills them
                    // whatever runs beside it (the partial step packs and never spills).
                    .withOptions(PipelineSupport.smallBudget(dir, 128 << 10))
                    .thenProcess(new ProcessGroupsTest.CountAndChecksum())),
        ProcessGroupsTest.expected(model));
    org.apache.beam.sdk.PipelineResult result = p.run();
    result.waitUntilFinish();
    assertTrue(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT) > 0);
    PipelineAsserts.awaitEmptyCollectingGarbage(dir, 30_000);
  }

  /** Sum, but the 20,000th input and the 500th output of the JVM throw, once each. */
  static final class FailingOnceSum extends Combine.CombineFn<Long, long[], Long> {
    static final AtomicInteger ADDED = new AtomicInteger();
    static final AtomicInteger EXTRACTED = new AtomicInteger();
    static final AtomicBoolean FAILED_ADDING = new AtomicBoolean();
    static final AtomicBoolean FAILED_EXTRACTING = new AtomicBoolean();
    private final Combine.BinaryCombineLongFn sum = Sum.ofLongs();

    static void reset() {
      ADDED.set(0);
      EXTRACTED.set(0);
      FAILED_ADDING.set(false);
      FAILED_EXTRACTING.set(false);
    }

    @Override
    public long[] createAccumulator() {
      return sum.createAccumulator();
    }

    @Override
    public long[] addInput(long[] accumulator, Long input) {
      if (ADDED.incrementAndGet() == 20_000 && FAILED_ADDING.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure while adding input");
      }
      return sum.addInput(accumulator, input);
    }

    @Override
    public long[] mergeAccumulators(Iterable<long[]> accumulators) {
      return sum.mergeAccumulators(accumulators);
    }

    @Override
    public Long extractOutput(long[] accumulator) {
      if (EXTRACTED.incrementAndGet() == 500 && FAILED_EXTRACTING.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure while extracting output");
      }
      return sum.extractOutput(accumulator);
    }

    @Override
    public org.apache.beam.sdk.coders.Coder<long[]> getAccumulatorCoder(
        org.apache.beam.sdk.coders.CoderRegistry registry,
        org.apache.beam.sdk.coders.Coder<Long> inputCoder)
        throws org.apache.beam.sdk.coders.CannotProvideCoderException {
      return sum.getAccumulatorCoder(registry, inputCoder);
    }
  }

  /** Sums each group; the 500th group of the JVM throws, once. */
  static final class SumGroupsFailingOnce
      extends org.apache.beam.sdk.transforms.DoFn<KV<Integer, Iterable<Long>>, KV<Integer, Long>> {
    static final AtomicInteger SEEN = new AtomicInteger();
    static final AtomicBoolean FAILED = new AtomicBoolean();

    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<Long>> group, OutputReceiver<KV<Integer, Long>> out) {
      if (SEEN.incrementAndGet() == 500 && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure downstream of the group");
      }
      long s = 0;
      for (long v : group.getValue()) {
        s += v;
      }
      out.output(KV.of(group.getKey(), s));
    }
  }

  /** "key=[secondary keys in emitted order]". */
  static final class DescribeSorted
      extends org.apache.beam.sdk.transforms.DoFn<KV<Integer, Iterable<KV<Long, Long>>>, String> {
    @ProcessElement
    public void process(
        @Element KV<Integer, Iterable<KV<Long, Long>>> e, OutputReceiver<String> out) {
      List<Long> keys = new ArrayList<>();
      e.getValue().forEach(kv -> keys.add(kv.getKey()));
      out.output(e.getKey() + "=" + keys);
    }
  }
}
