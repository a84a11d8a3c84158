package dev.spillway.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertThrows;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Max;
import org.apache.beam.sdk.transforms.Mean;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableBiFunction;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.MergeOverlappingIntervalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** SpillingCombine.perKey against Beam's Combine.perKey on the DirectRunner. */
public class SpillingCombineTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static List<KV<String, Long>> input(long seed, int n, int keys) {
    Random random = new Random(seed);
    List<KV<String, Long>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(KV.of("key-" + random.nextInt(keys), (long) random.nextInt(1000) - 300));
    }
    return out;
  }

  @Test
  public void sumAndMeanEqualTheBuiltInsAndSpill() throws Exception {
    Path dir = tmp.newFolder().toPath();
    List<KV<String, Long>> data = input(1, 40_000, 1_500);
    Map<String, Long> sums = new HashMap<>();
    Map<String, long[]> counts = new HashMap<>();
    for (KV<String, Long> kv : data) {
      sums.merge(kv.getKey(), kv.getValue(), Long::sum);
      counts.computeIfAbsent(kv.getKey(), k -> new long[2])[0] += kv.getValue();
      counts.get(kv.getKey())[1]++;
    }
    List<KV<String, Long>> expectedSums = new ArrayList<>();
    sums.forEach((k, v) -> expectedSums.add(KV.of(k, v)));
    List<KV<String, Double>> expectedMeans = new ArrayList<>();
    counts.forEach((k, c) -> expectedMeans.add(KV.of(k, (double) c[0] / c[1])));

    PCollection<KV<String, Long>> in = p.apply(Create.of(data));
    PCollection<KV<String, Long>> ours =
        in.apply(
            "SpillingSum",
            SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())
                .withOptions(PipelineSupport.smallBudget(dir, 256 << 10)));
    PCollection<KV<String, Long>> beams = in.apply("BeamSum", Combine.perKey(Sum.ofLongs()));
    PCollection<KV<String, Double>> ourMeans =
        in.apply(
            "SpillingMean",
            SpillingCombine.<String, Long, Double>perKey(Mean.<Long>of())
                .withOptions(PipelineSupport.smallBudget(dir, 256 << 10)));
    PCollection<KV<String, Double>> beamMeans = in.apply("BeamMean", Mean.perKey());
    PipelineAsserts.assertSameElements(ours, expectedSums);
    PipelineAsserts.assertSameElements(beams, expectedSums);
    PipelineAsserts.assertSameElements(ourMeans, expectedMeans);
    PipelineAsserts.assertSameElements(beamMeans, expectedMeans);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    assertThat(SpillMetrics.total(result, SpillMetrics.DISK_BYTES_SPILLED), greaterThan(0L));
    assertThat(SpillMetrics.total(result, SpillMetrics.MEMORY_BYTES_SPILLED), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * The other forms of {@code Combine.perKey}: a function of a key's values, a pairwise function,
   * and a CombineFn of a supertype of the values; each beside the built-in given the same, and
   * spilled.
   */
  @Test
  public void functionsOfValuesAndPairsAndSupertypesCombineAsTheBuiltIn() throws Exception {
    Path dir = tmp.newFolder().toPath();
    List<KV<String, Long>> data = input(4, 30_000, 1_200);
    Map<String, Long> maxima = new HashMap<>();
    Map<String, Long> counts = new HashMap<>();
    for (KV<String, Long> kv : data) {
      maxima.merge(kv.getKey(), kv.getValue(), Math::max);
      counts.merge(kv.getKey(), 1L, Long::sum);
    }
    List<KV<String, Long>> expectedMaxima = new ArrayList<>();
    maxima.forEach((k, v) -> expectedMaxima.add(KV.of(k, v)));
    List<KV<String, Long>> expectedCounts = new ArrayList<>();
    counts.forEach((k, v) -> expectedCounts.add(KV.of(k, v)));
    PCollection<KV<String, Long>> in = p.apply(Create.of(data));
    SerializableFunction<Iterable<Long>, Long> maxOfValues =
        values -> {
          long max = Long.MIN_VALUE;
          for (long v : values) {
            max = Math.max(max, v);
          }
          return max;
        };
    SerializableBiFunction<Long, Long, Long> maxOfTwo = Math::max;
    Combine.CombineFn<Object, ?, Long> countAnything = Count.combineFn();
    PipelineAsserts.assertSameElements(
        in.apply(
            "SpillingMaxOfValues",
            SpillingCombine.<String, Long>perKey(maxOfValues)
                .withOptions(PipelineSupport.smallBudget(dir, 128 << 10))),
        expectedMaxima);
    PipelineAsserts.assertSameElements(
        in.apply("BeamMaxOfValues", Combine.perKey(maxOfValues)), expectedMaxima);
    PipelineAsserts.assertSameElements(
        in.apply(
            "SpillingMaxOfTwo",
            SpillingCombine.<String, Long>perKey(maxOfTwo)
                .withOptions(PipelineSupport.smallBudget(dir, 128 << 10))),
        expectedMaxima);
    PipelineAsserts.assertSameElements(
        in.apply("BeamMaxOfTwo", Combine.perKey(maxOfTwo)), expectedMaxima);
    PipelineAsserts.assertSameElements(
        in.apply(
            "SpillingCountAnything",
            SpillingCombine.<String, Long, Long>perKey(countAnything)
                .withOptions(PipelineSupport.smallBudget(dir, 128 << 10))),
        expectedCounts);
    PipelineAsserts.assertSameElements(
        in.apply("BeamCountAnything", Combine.perKey(countAnything)), expectedCounts);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /** Collects every value: an accumulator as large as the key's input. */
  static final class CollectAll extends Combine.CombineFn<Long, List<Long>, String> {
    @Override
    public List<Long> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<Long> addInput(List<Long> acc, Long v) {
      acc.add(v);
      return acc;
    }

    @Override
    public List<Long> mergeAccumulators(Iterable<List<Long>> accs) {
      List<Long> out = new ArrayList<>();
      accs.forEach(out::addAll);
      return out;
    }

    @Override
    public String extractOutput(List<Long> acc) {
      List<Long> sorted = new ArrayList<>(acc);
      sorted.sort(null);
      return sorted.toString();
    }

    @Override
    public org.apache.beam.sdk.coders.Coder<List<Long>> getAccumulatorCoder(
        org.apache.beam.sdk.coders.CoderRegistry registry,
        org.apache.beam.sdk.coders.Coder<Long> input) {
      return ListCoder.of(VarLongCoder.of());
    }
  }

  @Test
  public void aLargeAccumulatorEqualsTheBuiltIn() throws Exception {
    Path dir = tmp.newFolder().toPath();
    List<KV<String, Long>> data = input(2, 60_000, 40);
    PCollection<KV<String, Long>> in = p.apply(Create.of(data));
    PCollection<KV<String, String>> ours =
        in.apply(
            "Spilling",
            // The 64 KiB minimum: the 40 accumulators (about 240 KB encoded) do not fit, so they
            // spill; concurrent bundles' engines take turns for their floors.
            SpillingCombine.<String, Long, String>perKey(new CollectAll())
                .withOptions(PipelineSupport.smallBudget(dir, 64 << 10)));
    PCollection<KV<String, String>> beams = in.apply("Beam", Combine.perKey(new CollectAll()));
    Map<String, List<Long>> model = new HashMap<>();
    data.forEach(
        kv -> model.computeIfAbsent(kv.getKey(), k -> new ArrayList<>()).add(kv.getValue()));
    List<KV<String, String>> expected = new ArrayList<>();
    model.forEach(
        (k, vs) -> {
          vs.sort(null);
          expected.add(KV.of(k, vs.toString()));
        });
    PipelineAsserts.assertSameElements(ours, expected);
    PipelineAsserts.assertSameElements(beams, expected);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /** Formats an element with its window and timestamp, so both can be compared. */
  static final class WithWindow<V> extends DoFn<KV<String, V>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, V> e,
        BoundedWindow w,
        @Timestamp Instant ts,
        OutputReceiver<String> out) {
      out.output(
          e.getKey()
              + "|"
              + ((IntervalWindow) w).start().getMillis()
              + "|"
              + ts.getMillis()
              + "|"
              + e.getValue());
    }
  }

  /** A result type no coder is registered for. */
  static final class Total implements Serializable {
    private static final long serialVersionUID = 1L;
    final long sum;

    Total(long sum) {
      this.sum = sum;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Total && ((Total) o).sum == sum;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(sum);
    }

    @Override
    public String toString() {
      return "Total(" + sum + ")";
    }
  }

  /** Sums into a {@link Total}, giving an accumulator coder but no output coder. */
  static final class SumToTotal extends Combine.CombineFn<Long, long[], Total> {
    @Override
    public long[] createAccumulator() {
      return new long[1];
    }

    @Override
    public long[] addInput(long[] sum, Long value) {
      sum[0] += value;
      return sum;
    }

    @Override
    public long[] mergeAccumulators(Iterable<long[]> sums) {
      long[] merged = new long[1];
      for (long[] sum : sums) {
        merged[0] += sum[0];
      }
      return merged;
    }

    @Override
    public Total extractOutput(long[] sum) {
      return new Total(sum[0]);
    }

    @Override
    public Coder<long[]> getAccumulatorCoder(CoderRegistry registry, Coder<Long> inputCoder) {
      return SerializableCoder.of(long[].class);
    }

    @Override
    public Coder<Total> getDefaultOutputCoder(CoderRegistry registry, Coder<Long> inputCoder)
        throws CannotProvideCoderException {
      throw new CannotProvideCoderException("no coder is registered for Total");
    }
  }

  /**
   * A CombineFn that gives no output coder: after {@code Combine.perKey} the user sets one on the
   * output, so after ours too (it was refused at expand), and without one both fail by Beam's
   * message.
   */
  @Test
  public void anOutputCoderTheCombineFnCannotGiveIsTheUsersToSet() throws Exception {
    Path dir = tmp.newFolder().toPath();
    List<KV<String, Long>> data = input(9, 30_000, 1_200);
    Map<String, Long> sums = new HashMap<>();
    data.forEach(kv -> sums.merge(kv.getKey(), kv.getValue(), Long::sum));
    List<KV<String, Total>> expected = new ArrayList<>();
    sums.forEach((k, v) -> expected.add(KV.of(k, new Total(v))));
    Coder<KV<String, Total>> coder =
        KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(Total.class));
    PCollection<KV<String, Long>> in = p.apply(Create.of(data));
    PCollection<KV<String, Total>> ours =
        in.apply(
            "Spilling",
            SpillingCombine.<String, Long, Total>perKey(new SumToTotal())
                .withOptions(PipelineSupport.smallBudget(dir, 128 << 10)));
    PCollection<KV<String, Total>> beams = in.apply("Beam", Combine.perKey(new SumToTotal()));
    IllegalStateException ourError = assertThrows(IllegalStateException.class, ours::getCoder);
    IllegalStateException beamError = assertThrows(IllegalStateException.class, beams::getCoder);
    assertThat(ourError.getMessage(), containsString("Unable to return a default Coder"));
    assertThat(beamError.getMessage(), containsString("Unable to return a default Coder"));
    ours.setCoder(coder);
    beams.setCoder(coder);
    PipelineAsserts.assertSameElements(ours, expected);
    PipelineAsserts.assertSameElements(beams, expected);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  @Test
  public void fixedWindowsKeepWindowsAndTimestamps() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Random random = new Random(3);
    List<TimestampedValue<KV<String, Long>>> data = new ArrayList<>();
    Map<String, Long> model = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      long ts = random.nextInt(10_000);
      String key = "k" + random.nextInt(300);
      long v = random.nextInt(100);
      data.add(TimestampedValue.of(KV.of(key, v), new Instant(ts)));
      long start = ts / 1000 * 1000;
      model.merge(key + "|" + start + "|" + (start + 999), v, Long::sum);
    }
    List<String> expected = new ArrayList<>();
    model.forEach((k, v) -> expected.add(k + "|" + v));
    PCollection<KV<String, Long>> in =
        p.apply(
                Create.timestamped(data)
                    .withCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())))
            .apply(Window.into(FixedWindows.of(Duration.standardSeconds(1))));
    PCollection<String> ours =
        in.apply(
                "Spilling",
                SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())
                    .withOptions(PipelineSupport.smallBudget(dir, 256 << 10)))
            .apply("OursWithWindow", ParDo.of(new WithWindow<>()));
    PCollection<String> beams =
        in.apply("Beam", Combine.perKey(Sum.ofLongs()))
            .apply("BeamWithWindow", ParDo.of(new WithWindow<>()));
    PipelineAsserts.assertSameElements(ours, expected);
    PipelineAsserts.assertSameElements(beams, expected);
    p.run().waitUntilFinish();
    PipelineAsserts.assertEmpty(dir);
  }

  @Test
  public void aNonDeterministicKeyCoderIsRejectedAtExpand() {
    Pipeline pipeline = Pipeline.create();
    PCollection<KV<Double, Long>> in =
        pipeline.apply(
            Create.of(KV.of(1.5, 1L)).withCoder(KvCoder.of(DoubleCoder.of(), VarLongCoder.of())));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> in.apply(SpillingCombine.<Double, Long, Long>perKey(Sum.ofLongs())));
    assertThat(e.getMessage(), containsString("SpillingCombine.perKey"));
    assertThat(e.getMessage(), containsString("must be deterministic"));
  }

  @Test
  public void unnamedCombinesAreNamedAfterTheirFunctionAndShowItsDisplayData() {
    Pipeline pipeline = Pipeline.create();
    pipeline.getOptions().setStableUniqueNames(PipelineOptions.CheckEnabled.ERROR);
    PCollection<KV<String, Long>> in = pipeline.apply(Create.of(KV.of("a", 1L)));
    PCollection<KV<String, Long>> sums =
        in.apply(SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs()));
    PCollection<KV<String, Long>> maxima =
        in.apply(SpillingCombine.<String, Long, Long>perKey(Max.ofLongs()));
    assertThat(sums.getName(), containsString("SpillingCombine.perKey(SumLong)"));
    assertThat(maxima.getName(), containsString("SpillingCombine.perKey(MaxLong)"));
    DisplayData data = DisplayData.from(SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs()));
    assertThat(data.asMap().keySet().toString(), containsString("combineFn"));
    // Not yet applied, without options of its own: the pipeline's will be read.
    assertThat(data.asMap().keySet().toString(), containsString("spillOptions"));
    // With options of its own: they are shown.
    DisplayData applied =
        DisplayData.from(
            SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())
                .withOptions(SpillOptions.create().withMemoryBudgetBytes(1 << 20)));
    assertThat(applied.asMap().keySet().toString(), containsString("memoryBudgetBytes"));
  }

  /** A merging WindowFn that is not Sessions: windows of 1 minute, merged when they overlap. */
  static final class OverlappingMinutes extends WindowFn<Object, IntervalWindow> {
    @Override
    public Collection<IntervalWindow> assignWindows(AssignContext c) {
      return List.of(new IntervalWindow(c.timestamp(), Duration.standardMinutes(1)));
    }

    @Override
    public void mergeWindows(MergeContext c) throws Exception {
      MergeOverlappingIntervalWindows.mergeWindows(c);
    }

    @Override
    public boolean isCompatible(WindowFn<?, ?> other) {
      return other instanceof OverlappingMinutes;
    }

    @Override
    public Coder<IntervalWindow> windowCoder() {
      return IntervalWindow.getCoder();
    }

    @Override
    public WindowMappingFn<IntervalWindow> getDefaultWindowMappingFn() {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  public void mergingWindowsOtherThanSessionsAreRejectedAtExpand() {
    Pipeline pipeline = Pipeline.create();
    PCollection<KV<String, Long>> in =
        pipeline.apply(Create.of(KV.of("a", 1L))).apply(Window.into(new OverlappingMinutes()));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> in.apply(SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())));
    assertThat(e.getMessage(), containsString("merges windows as Sessions does"));
  }
}
