package dev.spillway.transforms;

import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;

/**
 * How the runner's batch {@code GroupByKey} hands a group to the next step, as far as the merge
 * step of {@link TwoPhase} depends on it: whether a shard's blocks stay off the heap.
 *
 * <p>Beam's Flink runner (its DataSet translation) and Spark runner (the RDD one) stream a group
 * from their sorted shuffle only for non-merging windows with end-of-window timestamps (Spark not
 * for the global window); any other windowing they gather per key in a list on the heap (Flink
 * concatenates, Spark combines into a list). A shard stamped with its earliest output time
 * (sessions, EARLIEST and LATEST timestamps) was gathered whole: a hot key's session larger than a
 * TaskManager's heap ran it out of memory (BENCHMARKS, "A hot key larger than a TaskManager's
 * heap"). On these runners such shards cross stamped at their window's end instead ({@link
 * Windowing#stampedAtWindowEnd}), and the merge step outputs each result before the shuffled
 * element's time (allowed: nothing in these batch translations is late) in the pane the gathering
 * path would have given. Flink's DataStream translation of batch keeps every group in its keyed
 * state, on the heap, whatever the windowing: there the merge step takes the shard's blocks one by
 * one and spools them to disk ({@link SpooledMergeFn}); the DirectRunner's shuffle goes through
 * files ({@link BlockTransport}); any other runner keeps the stamps as they were.
 */
enum RunnerGrouping {
  /** Not known to stream a group: the shuffle keeps the earliest output time as its stamp. */
  GATHERED(false, false, false),
  /**
   * Flink's DataStream translation of batch ({@code --useDataStreamForBatch}): its {@code
   * GroupByKey} gathers every group in keyed state on the heap, whatever the windowing, so the
   * merge step spools its shards to disk itself ({@link Windowing#spoolsShards}).
   */
  FLINK_DATASTREAM(false, false, false),
  /** Flink's DataSet translation: its gathering path is a combine, whose outputs fire no pane. */
  FLINK_DATASET(true, true, true),
  /**
   * Beam's Spark runner: both paths fire the one on-time pane of a batch. Its global window is
   * grouped by combining each key's values into a list (Beam 2.62's {@code
   * groupByKeyInGlobalWindow}), so a shard of the global window crosses in {@link OneInterval}.
   */
  SPARK(true, false, false);

  private static final Set<String> FLINK_RUNNERS =
      Set.of(
          "org.apache.beam.runners.flink.FlinkRunner",
          "org.apache.beam.runners.flink.TestFlinkRunner");

  /** The RDD runner; not the structured-streaming one, whose grouping is its own. */
  private static final Set<String> SPARK_RUNNERS =
      Set.of(
          "org.apache.beam.runners.spark.SparkRunner",
          "org.apache.beam.runners.spark.TestSparkRunner");

  private final boolean streamsEndOfWindowGroups;
  private final boolean streamsTheGlobalWindow;
  private final boolean gatheredGroupsFireNoPane;

  RunnerGrouping(
      boolean streamsEndOfWindowGroups,
      boolean streamsTheGlobalWindow,
      boolean gatheredGroupsFireNoPane) {
    this.streamsEndOfWindowGroups = streamsEndOfWindowGroups;
    this.streamsTheGlobalWindow = streamsTheGlobalWindow;
    this.gatheredGroupsFireNoPane = gatheredGroupsFireNoPane;
  }

  /**
   * Whether a bounded input may have late data here: not on Flink's and Spark's batch translations,
   * whose watermark stays put until the input ends; on the DirectRunner, whose watermark moves
   * while a bounded input is processed, and on runners not known ({@link LateSessionsCheck}).
   */
  boolean lateDataPossible() {
    return this == GATHERED;
  }

  /** Whether non-merging, end-of-window groups reach the next step without being gathered. */
  boolean streamsEndOfWindowGroups() {
    return streamsEndOfWindowGroups;
  }

  /** Whether that holds for the global window too. */
  boolean streamsTheGlobalWindow() {
    return streamsTheGlobalWindow;
  }

  /**
   * The pane a group gets on the path that gathers it, given the one {@code streamed} on the path
   * that streams it: what the runner's own {@code GroupByKey} gives a windowing it gathers.
   */
  PaneInfo paneOfGatheredGroup(PaneInfo streamed) {
    return gatheredGroupsFireNoPane ? PaneInfo.NO_FIRING : streamed;
  }

  /** The grouping of the runner {@code options} run on. */
  static RunnerGrouping of(PipelineOptions options) {
    Class<?> runner = options.getRunner();
    if (runner == null || options.as(StreamingOptions.class).isStreaming()) {
      return GATHERED;
    }
    String name = runner.getName();
    if (FLINK_RUNNERS.contains(name)) {
      return isSetTrue(options, "useDataStreamForBatch") ? FLINK_DATASTREAM : FLINK_DATASET;
    }
    return SPARK_RUNNERS.contains(name) ? SPARK : GATHERED;
  }

  /**
   * Whether the option {@code name} is set to true: read from the options' display data, which
   * holds every option set, so that this module needs no runner's options interface.
   */
  private static boolean isSetTrue(PipelineOptions options, String name) {
    for (DisplayData.Item item : DisplayData.from(options).items()) {
      if (item.getKey().equals(name) && Boolean.TRUE.equals(item.getValue())) {
        return true;
      }
    }
    return false;
  }
}
