package dev.spillway.runners;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.RandomWindowings;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.WindowedScenarios;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.junit.Assert;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The windowed scenarios of {@link WindowingTest} on Beam's Flink runner (embedded, two parallel
 * subtasks): spillway's outputs equal the built-ins' there too, window, timestamp and value, and
 * the model's sums by window. What is not compared, and why: {@link
 * WindowedScenarios.Runner#FLINK}.
 */
public class FlinkWindowingTest {
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void windowedOutputsEqualTheBuiltInsOnFlink() throws Exception {
    runEveryScenario(PipelineSupport.localFlink(), WindowedScenarios.Runner.FLINK);
  }

  /**
   * The same on Flink's DataStream translation of batch pipelines ({@code
   * --useDataStreamForBatch=true}), the only one Flink 2 keeps.
   */
  @Test
  public void windowedOutputsEqualTheBuiltInsOnFlinksDataStreamBatch() throws Exception {
    FlinkPipelineOptions options = PipelineSupport.localFlink();
    options.setUseDataStreamForBatch(true);
    runEveryScenario(options, WindowedScenarios.Runner.FLINK_DATASTREAM);
  }

  /**
   * Flink's DataSet translation streams a group from its sort only for non-merging windows stamped
   * at their end, and concatenates any other into a list on the heap: there sessions and inputs'
   * timestamps cross spillway's shuffle stamped at the window's end (a hot key's session of 2 GB
   * ran a TaskManager of 700 MB out of memory before; {@code HotKeyOnClusterTest}), and the outputs
   * still come at their own times, in their windows and in the built-in's panes, every pane
   * compared. The DataStream translation keeps every group in its keyed state, so there spillway
   * takes no shard from a {@code GroupByKey} (its merge step spools them itself), and the
   * DirectRunner shuffles through files and keeps the earliest output time as the stamp.
   */
  @Test
  public void sessionsAndInputTimestampsCrossFlinksShuffleStampedAtTheWindowsEnd()
      throws Exception {
    Path dir = tmp.newFolder().toPath();
    SpillOptions options = PipelineSupport.smallBudget(dir, 192 << 10);
    Pipeline p = Pipeline.create(PipelineSupport.localFlink());
    WindowedScenarios.stampedAtWindowEndBesideBuiltIn(p, options);
    List<TimestampCombiner> stamps = WindowedScenarios.shuffleStamps(p);
    Assert.assertEquals(12, stamps.size());
    Assert.assertEquals(Set.of(TimestampCombiner.END_OF_WINDOW), Set.copyOf(stamps));

    FlinkPipelineOptions dataStream = PipelineSupport.localFlink();
    dataStream.setUseDataStreamForBatch(true);
    Pipeline spooling = Pipeline.create(dataStream);
    WindowedScenarios.stampedAtWindowEndBesideBuiltIn(spooling, options);
    Assert.assertEquals(List.of(), WindowedScenarios.shuffleStamps(spooling));
    Pipeline direct = Pipeline.create(PipelineOptionsFactory.create());
    WindowedScenarios.stampedAtWindowEndBesideBuiltIn(direct, options);
    Assert.assertEquals(
        Set.of(TimestampCombiner.EARLIEST), Set.copyOf(WindowedScenarios.shuffleStamps(direct)));

    p.run().waitUntilFinish();
    PipelineAsserts.awaitEmptyCollectingGarbage(dir, 30_000);
  }

  /**
   * Partial tables flushed downstream from the middle of a bundle, each block in its own window
   * with its earliest output time, on Flink as on the DirectRunner.
   */
  @Test
  public void windowedOutputsWithFlushedPartialsEqualTheBuiltInsOnFlink() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Pipeline p = Pipeline.create(PipelineSupport.localFlink());
    // The 64 KiB minimum, where a partition's table fills even with the whole pool to itself. At
    // 192 KiB it filled only while the other subtask's engine shared the pool: run alone the test
    // flushed 8-10 times, after the test above 0-1 times (the subtasks ran one after the other),
    // and then checked nothing.
    WindowedScenarios.flushedPartials(
        p,
        PipelineSupport.smallBudget(dir, 64 << 10).withFlushedPartials(true),
        WindowedScenarios.Runner.FLINK);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    Assert.assertTrue(SpillMetrics.total(result, SpillMetrics.FLUSH_COUNT) > 0);
    PipelineAsserts.awaitEmptyCollectingGarbage(dir, 30_000);
  }

  /**
   * Windowings, events and options drawn at random, as {@code WindowingTest} draws them on the
   * DirectRunner, beside the built-ins on Flink's DataSet translation.
   */
  @Test
  public void randomWindowingsEqualTheBuiltInsOnFlink() throws Exception {
    runRandomScenarios(PipelineSupport.localFlink(), WindowedScenarios.Runner.FLINK, 6);
  }

  /**
   * The same on Flink's DataStream translation of batch pipelines: four scenarios, each window
   * function once, as a job there takes about 20 s (the DataSet translation's 8).
   */
  @Test
  public void randomWindowingsEqualTheBuiltInsOnFlinksDataStreamBatch() throws Exception {
    FlinkPipelineOptions options = PipelineSupport.localFlink();
    options.setUseDataStreamForBatch(true);
    runRandomScenarios(options, WindowedScenarios.Runner.FLINK_DATASTREAM, 4);
  }

  private void runRandomScenarios(
      FlinkPipelineOptions options, WindowedScenarios.Runner runner, int defaultCount)
      throws Exception {
    Path dir = tmp.newFolder().toPath();
    int count = Integer.getInteger("spillway.randomCount", defaultCount);
    // A job per scenario: with three of this seed's scenarios in one job (some 300 steps) Flink's
    // DataSet translation failed ("Cannot write record to fresh sort buffer. Record too large") in
    // the combiner of a PAssert's GroupGlobally, whose records are this test's descriptions of
    // whole groups, in the sliver of managed memory each of that many steps gets (found with an
    // slf4j binding at WARN); each scenario alone and any two together passed.
    for (int i = 0; i < count; i++) {
      Pipeline p = Pipeline.create(options);
      // 192 KiB at least: the partial steps of a scenario's transforms share a thread (see below).
      RandomWindowings.sameAsBuiltIn(
          p,
          PipelineSupport.smallBudget(dir, 192 << 10),
          runner,
          Long.getLong("spillway.randomSeed", 20261207L),
          count,
          i);
      p.run().waitUntilFinish();
    }
    PipelineAsserts.awaitEmptyCollectingGarbage(dir, 30_000);
  }

  private void runEveryScenario(FlinkPipelineOptions options, WindowedScenarios.Runner runner)
      throws Exception {
    Path dir = tmp.newFolder().toPath();
    Pipeline p = Pipeline.create(options);
    WindowedScenarios.countedDownstreamInFixedWindows(
        p, PipelineSupport.smallBudget(dir, 192 << 10), runner);
    WindowedScenarios.allWindowings(p, PipelineSupport.smallBudget(dir, 192 << 10), runner);
    WindowedScenarios.slidingWindows(p, PipelineSupport.smallBudget(dir, 192 << 10), runner);
    WindowedScenarios.customAndCalendarWindows(
        p, PipelineSupport.smallBudget(dir, 192 << 10), runner);
    WindowedScenarios.processedGroups(p, PipelineSupport.smallBudget(dir, 192 << 10), runner);
    // A larger budget here: Flink chains the partial steps of the fifteen combines reading one
    // input on one thread, and each open engine holds its block buffers (about 40 KiB at these
    // budgets); at 192 KiB the sixth refused to start, by name.
    WindowedScenarios.commonCombineFns(p, PipelineSupport.smallBudget(dir, 1 << 20), runner);
    // On the DataStream translation no shard crosses a GroupByKey, closing panes' included.
    Assert.assertEquals(
        runner == WindowedScenarios.Runner.FLINK_DATASTREAM,
        WindowedScenarios.shuffleStamps(p).isEmpty());
    PipelineResult result = p.run();
    result.waitUntilFinish();
    Assert.assertTrue(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT) > 0);
    // On the DataStream translation the merge steps spool the shards' blocks to files.
    Assert.assertEquals(
        runner == WindowedScenarios.Runner.FLINK_DATASTREAM,
        SpillMetrics.total(result, SpillMetrics.SHUFFLE_FILES) > 0);
    PipelineAsserts.awaitEmptyCollectingGarbage(dir, 30_000);
  }
}
