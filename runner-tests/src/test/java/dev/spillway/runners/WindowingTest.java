package dev.spillway.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.RandomWindowings;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import dev.spillway.transforms.WindowedScenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The transforms' windows, timestamps and panes against Beam's built-ins on the DirectRunner. */
public class WindowingTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void windowedOutputsAreCountedDownstreamAsTheBuiltInsAre() throws Exception {
    Path dir = tmp.newFolder().toPath();
    WindowedScenarios.countedDownstreamInFixedWindows(
        p, PipelineSupport.smallBudget(dir, 256 << 10), WindowedScenarios.Runner.DIRECT);
    p.run().waitUntilFinish();
    PipelineAsserts.assertEmpty(dir);
  }

  @Test
  public void everyWindowingGivesWhatTheBuiltInsGiveAndSpills() throws Exception {
    Path dir = tmp.newFolder().toPath();
    // The DirectRunner's checks run in the same scenarios through the runner's shuffle (below).
    PipelineSupport.withoutDirectRunnerChecks(p);
    // 64 KiB: the merge steps spill, and sort sessions through spilled runs.
    WindowedScenarios.allWindowings(
        p, PipelineSupport.smallBudget(dir, 64 << 10), WindowedScenarios.Runner.DIRECT);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    // On the DirectRunner the partial results cross the shuffle as files by default.
    assertThat(SpillMetrics.total(result, SpillMetrics.SHUFFLE_FILES), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * Closing panes where the watermark passes windows' ends and lateness in fixed steps: every pane
   * the built-ins' own, its last included (elsewhere on the DirectRunner where its steps fall
   * varies from run to run, and only the panes before a closing pane can be compared).
   */
  @Test
  public void closingPanesAreTheBuiltInsWhereTheWatermarksStepsAreFixed() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PipelineSupport.withoutDirectRunnerChecks(p);
    WindowedScenarios.closingPanes(
        p, PipelineSupport.smallBudget(dir, 64 << 10), WindowedScenarios.Runner.DIRECT);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * Windowings, events and options drawn at random (a fixed seed, so a failure repeats; {@code
   * -Dspillway.randomSeed=N} and {@code -Dspillway.randomCount=N} draw others), each beside the
   * built-ins, in a pipeline of its own: in one pipeline the DirectRunner's watermark bookkeeping,
   * which grows with the steps of the whole pipeline for every bundle, made this test take 26–106
   * s.
   */
  @Test
  public void randomWindowingsGiveWhatTheBuiltInsGive() throws Exception {
    Path dir = tmp.newFolder().toPath();
    long seed = Long.getLong("spillway.randomSeed", 20261207L);
    int count = Integer.getInteger("spillway.randomCount", 6);
    for (int i = 0; i < count; i++) {
      Pipeline scenario = Pipeline.create();
      PipelineSupport.withoutDirectRunnerChecks(scenario);
      RandomWindowings.sameAsBuiltIn(
          scenario,
          PipelineSupport.smallBudget(dir, 64 << 10),
          WindowedScenarios.Runner.DIRECT,
          seed,
          count,
          i);
      scenario.run().waitUntilFinish();
    }
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * With the DirectRunner's immutability and encodability checks on, where spillway's blocks are
   * the runner's elements. A pipeline each: the immutability check walks the whole pipeline for
   * every bundle (72% of this test's profile when all nine were one pipeline, which took 55–127 s).
   */
  @Test
  public void everyWindowingGivesWhatTheBuiltInsGiveThroughTheRunnersShuffleToo() throws Exception {
    Path dir = tmp.newFolder().toPath();
    for (PipelineResult result :
        eachAlone(
            WindowedScenarios.windowings(),
            PipelineSupport.smallBudget(dir, 64 << 10).withShuffle(SpillOptions.Shuffle.RUNNER))) {
      assertThat(SpillMetrics.total(result, SpillMetrics.SHUFFLE_FILES), is(0L));
    }
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * Events at the first instant, at the global window's last and just before it, in the global
   * window, fixed and sliding windows and sessions, with each timestamp combiner: a pipeline each,
   * as above.
   */
  @Test
  public void windowsAtTheEndsOfTimeAreTheBuiltIns() throws Exception {
    Path dir = tmp.newFolder().toPath();
    eachAlone(
        WindowedScenarios.windowingsAtTheEndsOfTime(), PipelineSupport.smallBudget(dir, 64 << 10));
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * Runs each of {@code windowings} beside the built-ins in a pipeline of its own, with the
   * DirectRunner's checks on; returns their results.
   */
  private static List<PipelineResult> eachAlone(
      List<WindowedScenarios.Windowed> windowings, SpillOptions options) {
    List<PipelineResult> results = new ArrayList<>();
    for (WindowedScenarios.Windowed windowed : windowings) {
      Pipeline one = Pipeline.create();
      windowed.sameAsBuiltIn(one, options, WindowedScenarios.Runner.DIRECT);
      PipelineResult result = one.run();
      result.waitUntilFinish();
      results.add(result);
    }
    return results;
  }

  /**
   * With the combines' full tables before the shuffle flushed instead of spilled, fixed windows
   * (output at the earliest input: each flushed partial carries its own) and sessions still give
   * what the built-ins give: windows, timestamps and panes.
   */
  @Test
  public void windowsTimestampsAndPanesAreTheBuiltInsWithFlushedPartials() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PipelineSupport.withoutDirectRunnerChecks(p);
    WindowedScenarios.flushedPartials(
        p,
        PipelineSupport.smallBudget(dir, 64 << 10).withFlushedPartials(true),
        WindowedScenarios.Runner.DIRECT);
    runAndCheck(dir, SpillMetrics.FLUSH_COUNT);
  }

  @Test
  public void processedGroupsGiveWhatTheBuiltInGives() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PipelineSupport.withoutDirectRunnerChecks(p);
    WindowedScenarios.processedGroups(
        p, PipelineSupport.smallBudget(dir, 128 << 10), WindowedScenarios.Runner.DIRECT);
    runAndCheck(dir, SpillMetrics.SPILL_COUNT);
  }

  @Test
  public void theCommonCombineFnsGiveWhatTheBuiltInGivesAndSpill() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PipelineSupport.withoutDirectRunnerChecks(p);
    WindowedScenarios.commonCombineFns(
        p, PipelineSupport.smallBudget(dir, 64 << 10), WindowedScenarios.Runner.DIRECT);
    runAndCheck(dir, SpillMetrics.SPILL_COUNT);
  }

  @Test
  public void slidingWindowsGiveWhatTheBuiltInsGive() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PipelineSupport.withoutDirectRunnerChecks(p);
    WindowedScenarios.slidingWindows(
        p, PipelineSupport.smallBudget(dir, 256 << 10), WindowedScenarios.Runner.DIRECT);
    p.run().waitUntilFinish();
    PipelineAsserts.assertEmpty(dir);
  }

  @Test
  public void customAndCalendarWindowsGiveWhatTheBuiltInsGive() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PipelineSupport.withoutDirectRunnerChecks(p);
    WindowedScenarios.customAndCalendarWindows(
        p, PipelineSupport.smallBudget(dir, 64 << 10), WindowedScenarios.Runner.DIRECT);
    runAndCheck(dir, SpillMetrics.SPILL_COUNT);
  }

  @Test
  public void aSecondAggregationInMergedSessionsGivesWhatTheBuiltInsGive() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PipelineSupport.withoutDirectRunnerChecks(p);
    WindowedScenarios.afterMergedSessions(p, PipelineSupport.smallBudget(dir, 64 << 10));
    runAndCheck(dir, SpillMetrics.SPILL_COUNT);
  }

  /**
   * Elements behind the watermark where no lateness is allowed: dropped from the windows that have
   * ended, as the built-ins drop them, every pane the same.
   */
  @Test
  public void lateDataIsDroppedAsTheBuiltInsDropIt() throws Exception {
    Path dir = tmp.newFolder().toPath();
    PipelineSupport.withoutDirectRunnerChecks(p);
    WindowedScenarios.lateDataDropped(
        p, PipelineSupport.smallBudget(dir, 64 << 10), WindowedScenarios.Runner.DIRECT);
    p.run().waitUntilFinish();
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * Late data within the allowed lateness, which the built-ins fire in late panes key by key:
   * accumulating late firings failed reading a block file the first pane had consumed, and a
   * discarding late pane numbered a key's pane by its shard's. Both now fail by name, leaving no
   * file. So does late data in sessions, with and without lateness, which spillway merged as if on
   * time where the built-ins drop it or fire it late.
   */
  @Test
  public void lateDataFailsByNameWhereTheBuiltInsWouldFireOrDropItInSessionsOrLatePanes()
      throws Exception {
    Path dir = tmp.newFolder().toPath();
    SpillOptions options = PipelineSupport.smallBudget(dir, 64 << 10);
    Window<KV<String, Long>> accumulatingLateFirings =
        Window.<KV<String, Long>>into(FixedWindows.of(Duration.millis(100)))
            .triggering(
                AfterWatermark.pastEndOfWindow().withLateFirings(AfterPane.elementCountAtLeast(1)))
            .withAllowedLateness(Duration.standardSeconds(1))
            .accumulatingFiredPanes()
            .withTimestampCombiner(TimestampCombiner.EARLIEST);
    Window<KV<String, Long>> discardingSliding =
        Window.<KV<String, Long>>into(
                SlidingWindows.of(Duration.millis(200)).every(Duration.millis(50)))
            .withAllowedLateness(Duration.standardSeconds(1))
            .discardingFiredPanes();
    assertLateDataFails(
        accumulatingLateFirings,
        SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs()).withOptions(options));
    assertLateDataFails(
        discardingSliding, SpillingGroupByKey.<String, Long>create().withOptions(options));
    // Sessions cross the shuffle in the global window: a probe per bundle finds the late data.
    Window<KV<String, Long>> sessions =
        Window.<KV<String, Long>>into(Sessions.withGapDuration(Duration.millis(30)));
    assertLateDataFails(
        sessions, SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs()).withOptions(options));
    assertLateDataFails(
        sessions.withAllowedLateness(Duration.standardSeconds(1)).discardingFiredPanes(),
        SpillingGroupByKey.<String, Long>create().withOptions(options));
    // The runner tears the failed pipelines' DoFns down after reporting the failure.
    PipelineAsserts.awaitEmpty(dir, 10_000);
  }

  private static void assertLateDataFails(
      Window<KV<String, Long>> windowing,
      PTransform<PCollection<KV<String, Long>>, ? extends PCollection<?>> transform) {
    Pipeline pipeline = Pipeline.create();
    WindowedScenarios.inputWithLateData(pipeline, "Events").apply(windowing).apply(transform);
    Pipeline.PipelineExecutionException e =
        assertThrows(
            Pipeline.PipelineExecutionException.class, () -> pipeline.run().waitUntilFinish());
    assertThat(e.getMessage(), containsString("late data"));
    assertThat(e.getMessage(), containsString("Spilling"));
  }

  @Test
  public void earlyFiringsAreRejectedAtExpand() {
    Pipeline pipeline = Pipeline.create();
    PCollection<KV<String, Long>> in =
        pipeline
            .apply(Create.of(KV.of("a", 1L)))
            .apply(
                Window.<KV<String, Long>>into(FixedWindows.of(Duration.standardMinutes(1)))
                    .triggering(
                        AfterWatermark.pastEndOfWindow()
                            .withEarlyFirings(AfterPane.elementCountAtLeast(2)))
                    .withAllowedLateness(Duration.ZERO)
                    .discardingFiredPanes());
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> in.apply(SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())));
    assertThat(e.getMessage(), containsString("SpillingCombine.perKey(SumLong)"));
    assertThat(e.getMessage(), containsString("fire once"));
    assertThrows(
        IllegalStateException.class, () -> in.apply(SpillingGroupByKey.<String, Long>create()));
  }

  /**
   * Sessions are merged after the shuffle, in the global window, where no closing pane fires: the
   * closing panes that {@code FIRE_ALWAYS} asks for could not be given, so it is refused.
   */
  @Test
  public void sessionsClosingAlwaysAreRejectedAtExpand() {
    Pipeline pipeline = Pipeline.create();
    PCollection<KV<String, Long>> in =
        pipeline
            .apply(Create.of(KV.of("a", 1L)))
            .apply(
                Window.<KV<String, Long>>into(Sessions.withGapDuration(Duration.millis(10)))
                    .withAllowedLateness(Duration.millis(1), Window.ClosingBehavior.FIRE_ALWAYS)
                    .discardingFiredPanes());
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> in.apply(SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())));
    assertThat(e.getMessage(), containsString("FIRE_ALWAYS"));
    assertThrows(
        IllegalStateException.class, () -> in.apply(SpillingGroupByKey.<String, Long>create()));
    // Without allowed lateness the closing pane is the on-time pane: accepted.
    pipeline
        .apply("Other", Create.of(KV.of("a", 1L)))
        .apply(
            "SessionsClosingAtOnce",
            Window.<KV<String, Long>>into(Sessions.withGapDuration(Duration.millis(10)))
                .withAllowedLateness(Duration.ZERO, Window.ClosingBehavior.FIRE_ALWAYS)
                .discardingFiredPanes())
        .apply(SpillingGroupByKey.<String, Long>create());
  }

  /** Runs the pipeline, checks that {@code counter} counted something and nothing is left. */
  private void runAndCheck(Path dir, String counter) throws Exception {
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, counter), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }
}
