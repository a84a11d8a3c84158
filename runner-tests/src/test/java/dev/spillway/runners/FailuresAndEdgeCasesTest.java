package dev.spillway.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertThrows;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Failures mid-output leave no spill file; null keys and values work where the coder allows them;
 * the same input cut into 1, 8 or 64 bundles gives the same results.
 */
public class FailuresAndEdgeCasesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  /** Sums, but fails on the 500th key it extracts: an output abandoned halfway. */
  static final class FailingSum extends Combine.CombineFn<Long, long[], Long> {
    private transient int extracted;

    @Override
    public long[] createAccumulator() {
      return new long[1];
    }

    @Override
    public long[] addInput(long[] acc, Long v) {
      acc[0] += v;
      return acc;
    }

    @Override
    public long[] mergeAccumulators(Iterable<long[]> accs) {
      long[] out = new long[1];
      accs.forEach(a -> out[0] += a[0]);
      return out;
    }

    @Override
    public Long extractOutput(long[] acc) {
      if (++extracted == 500) {
        throw new IllegalStateException("extractOutput failed on purpose");
      }
      return acc[0];
    }
  }

  /**
   * An empty input, in the global window and in fixed windows, gives nothing, as the built-ins give
   * nothing: no output from a combine, a group or a processed group, and a global count downstream
   * of each is 0.
   */
  @Test
  public void anEmptyInputGivesNothingAsTheBuiltInsGiveNothing() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PCollection<KV<Integer, Long>> global =
        p.apply(Create.empty(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())));
    PCollection<KV<Integer, Long>> fixed =
        global.apply(
            "Fixed", Window.<KV<Integer, Long>>into(FixedWindows.of(Duration.standardMinutes(1))));
    // Sessions also send late-data probes on the DirectRunner: none, and none dropped.
    PCollection<KV<Integer, Long>> sessions =
        global.apply(
            "Sessions",
            Window.<KV<Integer, Long>>into(Sessions.withGapDuration(Duration.standardMinutes(1))));
    int i = 0;
    for (PCollection<KV<Integer, Long>> in : List.of(global, fixed, sessions)) {
      String name = "Empty" + i++;
      PCollection<KV<Integer, Long>> sums =
          in.apply(
              name + "Sum",
              SpillingCombine.<Integer, Long, Long>perKey(Sum.ofLongs())
                  .withOptions(PipelineSupport.smallBudget(dir, 64 << 10)));
      PCollection<KV<Integer, Iterable<Long>>> groups =
          in.apply(
              name + "Group",
              SpillingGroupByKey.<Integer, Long>create()
                  .withOptions(PipelineSupport.smallBudget(dir, 64 << 10)));
      PCollection<String> processed =
          in.apply(
              name + "Process",
              SpillingGroupByKey.<Integer, Long>create()
                  .withOptions(PipelineSupport.smallBudget(dir, 64 << 10))
                  .thenProcess(new ProcessGroupsTest.CountAndChecksum()));
      PAssert.that(sums).empty();
      PAssert.that(groups).empty();
      PAssert.that(processed).empty();
      for (PCollection<?> out : List.of(sums, groups, processed)) {
        PAssert.thatSingleton(
                out.apply(out.getName() + "Global", Window.into(new GlobalWindows()))
                    .apply(out.getName() + "Count", Count.globally()))
            .isEqualTo(0L);
      }
    }
    p.run().waitUntilFinish();
    PipelineAsserts.assertEmpty(dir);
  }

  @Test
  public void aFailureHalfwayThroughTheOutputLeavesNoSpillFile() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Pipeline pipeline = Pipeline.create();
    List<KV<String, Long>> data = new ArrayList<>();
    for (int i = 0; i < 30_000; i++) {
      data.add(KV.of("k" + (i % 5_000), (long) i));
    }
    pipeline
        .apply(Create.of(data))
        .apply(
            SpillingCombine.<String, Long, Long>perKey(new FailingSum())
                .withOptions(PipelineSupport.smallBudget(dir, 128 << 10)));
    Exception e = assertThrows(Exception.class, () -> pipeline.run().waitUntilFinish());
    assertThat(e.toString(), containsString("extractOutput failed on purpose"));
    // The failing DoFn's engine is closed by the failure itself; engines of bundles that were
    // still running go when the DirectRunner tears their DoFns down, on its own threads, just
    // after waitUntilFinish has thrown.
    PipelineAsserts.awaitEmpty(dir, 10_000);
  }

  /**
   * Each run has exchange files of its own: the first run's exchange closes with it, and the second
   * must not meet it closed (nor the first run's files).
   */
  @Test
  public void aPipelineRunTwiceGivesItsResultsTwice() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Pipeline pipeline = Pipeline.create();
    List<KV<String, Long>> data = new ArrayList<>();
    Map<String, Long> model = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      data.add(KV.of("k" + (i % 1_000), (long) i));
      model.merge("k" + (i % 1_000), (long) i, Long::sum);
    }
    List<KV<String, Long>> expected = new ArrayList<>();
    model.forEach((k, v) -> expected.add(KV.of(k, v)));
    PCollection<KV<String, Long>> sums =
        pipeline
            .apply(Create.of(data))
            .apply(
                SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())
                    .withOptions(PipelineSupport.smallBudget(dir, 96 << 10)));
    PipelineAsserts.assertSameElements(sums, expected);
    for (int run = 0; run < 2; run++) {
      PipelineResult result = pipeline.run();
      result.waitUntilFinish();
      assertThat(SpillMetrics.total(result, SpillMetrics.SHUFFLE_FILES), greaterThan(0L));
      PipelineAsserts.awaitEmpty(dir, 10_000);
    }
  }

  @Test
  public void nullKeysAndValuesAreGroupedAndCountedAsByTheBuiltIns() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Random random = new Random(3);
    List<KV<String, String>> data = new ArrayList<>();
    Map<String, Long> counts = new HashMap<>();
    for (int i = 0; i < 6_000; i++) {
      String key =
          random.nextInt(5) == 0 ? null : random.nextInt(4) == 0 ? "" : "k" + random.nextInt(300);
      String value = random.nextInt(3) == 0 ? null : "v" + random.nextInt(50);
      data.add(KV.of(key, value));
      counts.merge(key == null ? "<null>" : key, 1L, Long::sum);
    }
    KvCoder<String, String> coder =
        KvCoder.of(NullableCoder.of(StringUtf8Coder.of()), NullableCoder.of(StringUtf8Coder.of()));
    PCollection<KV<String, String>> in = p.apply(Create.of(data).withCoder(coder));
    PCollection<String> ours =
        in.apply(
                "Spilling",
                SpillingGroupByKey.<String, String>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 96 << 10)))
            .apply("DescribeOurs", ParDo.of(new DescribeNullable()));
    PCollection<String> beams =
        in.apply("Beam", GroupByKey.create())
            .apply("DescribeBeams", ParDo.of(new DescribeNullable()));
    List<String> expected = new ArrayList<>();
    Map<String, List<String>> model = new HashMap<>();
    for (KV<String, String> kv : data) {
      model
          .computeIfAbsent(String.valueOf(kv.getKey()), k -> new ArrayList<>())
          .add(String.valueOf(kv.getValue()));
    }
    model.forEach(
        (k, vs) -> {
          vs.sort(null);
          expected.add(k + "=" + vs);
        });
    PipelineAsserts.assertSameElements(ours, expected);
    PipelineAsserts.assertSameElements(beams, expected);
    PCollection<KV<String, Long>> ourCounts =
        in.apply(
            "SpillingCount",
            SpillingCombine.<String, String, Long>perKey(Count.combineFn())
                .withOptions(PipelineSupport.smallBudget(dir, 96 << 10)));
    PCollection<KV<String, Long>> beamCounts = in.apply("BeamCount", Count.perKey());
    List<String> expectedCounts = new ArrayList<>();
    counts.forEach((k, n) -> expectedCounts.add(k + "=" + n));
    PipelineAsserts.assertSameElements(
        ourCounts.apply("ShowOurs", ParDo.of(new ShowCount())), expectedCounts);
    PipelineAsserts.assertSameElements(
        beamCounts.apply("ShowBeams", ParDo.of(new ShowCount())), expectedCounts);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  static final class DescribeNullable extends DoFn<KV<String, Iterable<String>>, String> {
    @ProcessElement
    public void process(@Element KV<String, Iterable<String>> group, OutputReceiver<String> out) {
      List<String> values = new ArrayList<>();
      group.getValue().forEach(v -> values.add(String.valueOf(v)));
      values.sort(null);
      out.output(group.getKey() + "=" + values);
    }
  }

  static final class ShowCount extends DoFn<KV<String, Long>, String> {
    @ProcessElement
    public void process(@Element KV<String, Long> kv, OutputReceiver<String> out) {
      out.output((kv.getKey() == null ? "<null>" : kv.getKey()) + "=" + kv.getValue());
    }
  }

  @Test
  public void oneEightOrSixtyFourBundlesGiveTheSameSums() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Random random = new Random(9);
    List<KV<String, Long>> data = new ArrayList<>();
    Map<String, Long> model = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      String key = "k" + random.nextInt(1_500);
      long value = random.nextInt(1000);
      data.add(KV.of(key, value));
      model.merge(key, value, Long::sum);
    }
    List<KV<String, Long>> expected = new ArrayList<>();
    model.forEach((k, v) -> expected.add(KV.of(k, v)));
    KvCoder<String, Long> coder = KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
    for (int bundles : new int[] {1, 8, 64}) {
      // Each Create is at least one bundle of its own: the input arrives in that many pieces.
      PCollectionList<KV<String, Long>> pieces = PCollectionList.empty(p);
      int per = (data.size() + bundles - 1) / bundles;
      for (int b = 0; b < bundles; b++) {
        pieces =
            pieces.and(
                p.apply(
                    "Piece" + bundles + "_" + b,
                    Create.of(data.subList(b * per, Math.min(data.size(), (b + 1) * per)))
                        .withCoder(coder)));
      }
      PCollection<KV<String, Long>> sums =
          pieces
              .apply("Flatten" + bundles, Flatten.pCollections())
              .apply(
                  "Sum" + bundles,
                  SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())
                      .withOptions(PipelineSupport.smallBudget(dir, 96 << 10)));
      PipelineAsserts.assertSameElements(sums, expected);
    }
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }
}
