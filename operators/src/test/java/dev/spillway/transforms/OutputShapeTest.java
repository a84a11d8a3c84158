package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;

import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.CrashingRunner;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.Mean;
import org.apache.beam.sdk.transforms.SerializableBiFunction;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.Top;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.Test;

/**
 * What a pipeline sees of an output before it runs: the coder, the windowing (the continuation
 * trigger, already-merged sessions), boundedness and, for a group, the element type are the
 * built-in's, so a downstream step (a second aggregation, a coder inferred from the type, a sink
 * that encodes with the output's coder) builds the same pipeline on either.
 */
public class OutputShapeTest {
  private static final Duration TEN = Duration.millis(10);

  private static List<Window<KV<String, Long>>> windowings() {
    return List.of(
        Window.into(new GlobalWindows()),
        Window.into(FixedWindows.of(TEN)),
        Window.<KV<String, Long>>into(FixedWindows.of(TEN))
            .triggering(
                AfterWatermark.pastEndOfWindow().withLateFirings(AfterPane.elementCountAtLeast(1)))
            .withAllowedLateness(Duration.millis(5))
            .accumulatingFiredPanes(),
        Window.<KV<String, Long>>into(FixedWindows.of(TEN))
            .triggering(Repeatedly.forever(AfterWatermark.pastEndOfWindow()))
            .withAllowedLateness(Duration.millis(5), Window.ClosingBehavior.FIRE_ALWAYS)
            .discardingFiredPanes(),
        Window.<KV<String, Long>>into(SlidingWindows.of(TEN).every(Duration.millis(5)))
            .withTimestampCombiner(TimestampCombiner.LATEST),
        Window.into(Sessions.withGapDuration(TEN)));
  }

  @Test
  public void outputsHaveTheBuiltInsCodersWindowingAndType() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(CrashingRunner.class); // built, never run
    Pipeline p = Pipeline.create(options);
    PCollection<KV<String, Long>> in =
        p.apply(
            Create.of(KV.of("a", 1L))
                .withCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
    SerializableBiFunction<Long, Long, Long> add = Long::sum;
    int i = 0;
    for (Window<KV<String, Long>> windowing : windowings()) {
      String w = "w" + i++;
      PCollection<KV<String, Long>> windowed = in.apply(w, windowing);
      assertSameShape(
          w + " sum",
          windowed.apply(w + "BeamSum", Sum.longsPerKey()),
          windowed.apply(w + "OurSum", SpillingCombine.perKey(Sum.ofLongs())));
      assertSameShape(
          w + " count",
          windowed.apply(w + "BeamCount", Count.perKey()),
          windowed.apply(w + "OurCount", SpillingCombine.perKey(Count.<Long>combineFn())));
      assertSameShape(
          w + " mean",
          windowed.apply(w + "BeamMean", Mean.perKey()),
          windowed.apply(w + "OurMean", SpillingCombine.perKey(Mean.<Long>of())));
      assertSameShape(
          w + " top",
          windowed.apply(w + "BeamTop", Top.largestPerKey(3)),
          windowed.apply(
              w + "OurTop",
              SpillingCombine.perKey(
                  new Top.TopCombineFn<Long, Top.Natural<Long>>(3, new Top.Natural<>()))));
      assertSameShape(
          w + " binary",
          windowed.apply(w + "BeamBinary", Combine.<String, Long>perKey(add)),
          windowed.apply(w + "OurBinary", SpillingCombine.<String, Long>perKey(add)));
      PCollection<KV<String, Iterable<Long>>> beamGroups =
          windowed.apply(w + "BeamGroup", GroupByKey.create());
      PCollection<KV<String, Iterable<Long>>> ourGroups =
          windowed.apply(w + "OurGroup", SpillingGroupByKey.create());
      assertSameShape(w + " group", beamGroups, ourGroups);
      assertEquals(
          w + " group's element type",
          beamGroups.getTypeDescriptor(),
          ourGroups.getTypeDescriptor());
    }
  }

  private static void assertSameShape(String what, PCollection<?> beam, PCollection<?> ours) {
    assertEquals(what + ": coder", beam.getCoder(), ours.getCoder());
    assertEquals(what + ": windowing", beam.getWindowingStrategy(), ours.getWindowingStrategy());
    assertEquals(what + ": boundedness", beam.isBounded(), ours.isBounded());
  }
}
