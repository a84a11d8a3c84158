package dev.spillway.transforms;

import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Never;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.apache.beam.sdk.values.WindowingStrategy.AccumulationMode;
import org.joda.time.Duration;

/**
 * How a spillway transform handles its input's windowing, decided at {@code expand()}: which
 * windowing the partial results travel through the runner's shuffle in, and which the output has.
 *
 * <p>Outputs must come out as Beam's own {@code GroupByKey} would give them: in their window, with
 * the pane and the timestamp it gives, and never behind the watermark (anything windowed downstream
 * drops an element that is). So the partial results travel as the runner's shuffle would carry the
 * input itself:
 *
 * <ul>
 *   <li><b>Non-merging windows</b> (global, fixed, sliding, calendar): blocks are emitted in the
 *       input's windows, with its trigger and allowed lateness, so the runner fires each window's
 *       shuffle as it fires its own; the merge step outputs from {@code @ProcessElement} and so
 *       takes the window and the pane of the shuffle's firing. With the {@code EARLIEST} or {@code
 *       LATEST} timestamp combiner, the shuffle combines {@code EARLIEST} and each block is stamped
 *       with the earliest output time of its records, so the shuffle holds the watermark no later
 *       than any output it carries.
 *   <li><b>Sessions</b>: a key's windows can only be merged once all its partial results are
 *       together, and the runner's shuffle would merge windows across the keys of a shard. So
 *       blocks travel in the global window (stamped with their earliest output time, combined
 *       {@code EARLIEST}), the merge step sorts each shard's records by key and window start and
 *       merges overlapping windows as {@code Sessions} does, and the outputs are put into their
 *       merged windows by a window assignment that takes the window each carries.
 * </ul>
 *
 * <p>With {@link Window.ClosingBehavior#FIRE_ALWAYS} and allowed lateness, {@code GroupByKey} fires
 * a closing pane for every key and window when the lateness ends, even with nothing new: empty when
 * panes discard (the DirectRunner does so whenever the watermark passes the window's end and then
 * its lateness in two steps, which varies from key to key and run to run). Only the shuffle's
 * blocks tell the merge step a shard's keys, so for non-merging windows the shuffle then
 * accumulates, and its closing pane carries the shard's blocks again: the merge step gives each key
 * its full result again when the input accumulates and its empty result when it discards. Sessions
 * travel in the global window, where no such pane fires, so {@code FIRE_ALWAYS} with allowed
 * lateness is refused there.
 *
 * <p>Late data (elements behind the watermark: on bounded input only where a step moves timestamps
 * back or a test holds the watermark back) is dropped by the shuffle where the built-in drops it,
 * each block in its own windows, for non-merging windows. Within the allowed lateness the built-in
 * fires late panes key by key, numbered among each key's own panes; the shuffle's late pane is a
 * shard's, so the merge step fails on it, naming the late data ({@link ShuffleStepFn#firing}).
 * Sessions cross in the global window, where nothing is late: there the partial step sends a probe
 * per bundle through a {@code GroupByKey} of its own that drops late ones, and any dropped fails
 * the pipeline, naming the late data ({@link LateSessionsCheck}).
 *
 * <p>This choice also reproduces what each runner does for the built-in: Beam's Flink runner gives
 * {@code ON_TIME} panes for non-merging windows with end-of-window timestamps and {@code NO_FIRING}
 * for the others, and a shuffle with the same windowing takes the same path.
 *
 * <p>Except where that path would hold a shard on the heap: Flink's DataSet translation and Spark
 * stream only groups stamped at their window's end and gather the others per key. There sessions
 * and inputs' timestamps cross the shuffle stamped at the window's end instead ({@link
 * #stampedAtWindowEnd}), with the same windows and trigger, and the merge step outputs each result
 * at its own, earlier time (nothing is late in these batch translations) in the pane the gathering
 * path gives ({@link RunnerGrouping}). A closing pane that repeats changes none of this: these
 * translations' watermark passes a window's end and its lateness at once, so the gathering path
 * fires one pane too; and Flink's DataStream translation, whose {@code GroupByKey} keeps every
 * group on the heap, fires the closing pane empty, so there the merge step spools the shards itself
 * ({@link #spoolsShards}) in every windowing.
 */
final class Windowing {
  private final String transform;
  private final WindowingStrategy<?, ?> input;
  private final boolean sessions;
  private final RunnerGrouping grouping;

  private Windowing(
      String transform, WindowingStrategy<?, ?> input, boolean sessions, RunnerGrouping grouping) {
    this.transform = transform;
    this.input = input;
    this.sessions = sessions;
    this.grouping = grouping;
  }

  /**
   * Checks that {@code transform} gives on {@code input} what Beam's built-in gives: bounded input;
   * non-merging windows or {@link Sessions}; a window coder that is deterministic; a trigger that
   * fires once at the end of the window on bounded input.
   */
  static Windowing of(String transform, PCollection<?> input) {
    if (input.isBounded() != PCollection.IsBounded.BOUNDED) {
      throw new IllegalStateException(
          transform + " supports bounded (batch) input only; " + input + " is unbounded");
    }
    return of(
        transform,
        input.getWindowingStrategy(),
        RunnerGrouping.of(input.getPipeline().getOptions()));
  }

  /**
   * As {@link #of(String, PCollection)}, for bounded input in {@code strategy} on a runner that
   * groups as {@code grouping} says.
   */
  static Windowing of(String transform, WindowingStrategy<?, ?> strategy, RunnerGrouping grouping) {
    boolean sessions = strategy.needsMerge();
    if (sessions && !(strategy.getWindowFn() instanceof Sessions)) {
      throw new IllegalStateException(
          transform
              + " merges windows as Sessions does; other"
              + " merging windows are not supported: "
              + strategy.getWindowFn()
              + ". Use Sessions or non-merging windows, or Beam's built-in transform.");
    }
    Coder<?> windowCoder = strategy.getWindowFn().windowCoder();
    try {
      windowCoder.verifyDeterministic();
    } catch (Coder.NonDeterministicException e) {
      throw new IllegalStateException(
          transform
              + " groups by the encoded window, so the window"
              + " coder "
              + windowCoder
              + " must be deterministic: "
              + e.getMessage(),
          e);
    }
    if (!firesOnceAtEndOfWindow(strategy.getTrigger())) {
      throw new IllegalStateException(
          transform
              + " supports triggers that fire once, at the end"
              + " of the window, on bounded input (the default trigger, or"
              + " AfterWatermark.pastEndOfWindow() with no early firings, optionally repeated), not "
              + strategy.getTrigger());
    }
    if (sessions && firesClosingPane(strategy)) {
      throw new IllegalStateException(
          transform
              + " cannot fire the closing panes of Sessions"
              + " (Window.ClosingBehavior.FIRE_ALWAYS with allowed lateness): their windows are"
              + " merged after the shuffle. Use FIRE_IF_NON_EMPTY (the default) or Beam's"
              + " built-in transform.");
    }
    return new Windowing(transform, strategy, sessions, grouping);
  }

  /** Whether a window fires once more when its allowed lateness ends, even with nothing new. */
  private static boolean firesClosingPane(WindowingStrategy<?, ?> strategy) {
    return strategy.getClosingBehavior() == Window.ClosingBehavior.FIRE_ALWAYS
        && strategy.getAllowedLateness().isLongerThan(Duration.ZERO);
  }

  /**
   * Whether {@code trigger} fires exactly as the default trigger on bounded input: once, when the
   * watermark passes the end of the window (late firings fire only on late data, which fails in the
   * merge step).
   */
  private static boolean firesOnceAtEndOfWindow(Trigger trigger) {
    if (trigger instanceof DefaultTrigger || trigger instanceof AfterWatermark.FromEndOfWindow) {
      return true;
    }
    if (trigger instanceof AfterWatermark.AfterWatermarkEarlyAndLate) {
      // Without early firings, the early trigger is Never.
      return ((AfterWatermark.AfterWatermarkEarlyAndLate) trigger).getEarlyTrigger()
          instanceof Never.NeverTrigger;
    }
    if (trigger instanceof Repeatedly) {
      return firesOnceAtEndOfWindow(((Repeatedly) trigger).getRepeatedTrigger());
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  Coder<BoundedWindow> windowCoder() {
    return (Coder<BoundedWindow>) input.getWindowFn().windowCoder();
  }

  /** The transform whose input this is, as its errors name it. */
  String transform() {
    return transform;
  }

  /**
   * The gap of the input's sessions when the partial step sends probes for late data ({@link
   * LateSessionsCheck}); 0 when it does not: in non-merging windows the shuffle itself drops late
   * data or fires late panes, and where nothing can be late there is nothing to check.
   */
  long lateSessionsProbeGapMillis() {
    return sessions && grouping.lateDataPossible()
        ? ((Sessions) input.getWindowFn()).getGapDuration().getMillis()
        : 0;
  }

  /** Whether windows are merged (sessions) by the merge step. */
  boolean sessions() {
    return sessions;
  }

  /**
   * Whether the shuffle may fire a window a second time with the blocks it fired first (the closing
   * pane of the class comment): the merge step must not drop them before its last pane.
   */
  boolean closingPaneRepeats() {
    return !sessions && firesClosingPane(input);
  }

  /**
   * Whether a repeated firing ({@link #closingPaneRepeats}) is a closing pane that the built-in
   * fires empty, the input discarding fired panes: each key gets its empty result.
   */
  boolean closingPaneEmpty() {
    return closingPaneRepeats() && input.getMode() == AccumulationMode.DISCARDING_FIRED_PANES;
  }

  OutputTime outputTime() {
    return OutputTime.of(input.getTimestampCombiner());
  }

  /** The windowing the packed partial results travel through the shuffle in. */
  WindowingStrategy<?, ?> shuffle() {
    if (shuffledInOneInterval()) {
      return WindowingStrategy.of(new OneInterval());
    }
    TimestampCombiner combiner =
        (sessions || outputTime().fromInputs()) && !stampedAtWindowEnd()
            ? TimestampCombiner.EARLIEST
            : TimestampCombiner.END_OF_WINDOW;
    if (sessions) {
      return WindowingStrategy.of(new GlobalWindows()).withTimestampCombiner(combiner);
    }
    WindowingStrategy<?, ?> shuffle = input.withTimestampCombiner(combiner);
    return closingPaneRepeats()
        ? shuffle.withMode(AccumulationMode.ACCUMULATING_FIRED_PANES)
        : shuffle;
  }

  /**
   * Whether blocks cross the shuffle stamped at the end of their window (of the global window, for
   * sessions) where their earliest output time would be their stamp, because the runner streams
   * only such groups and would gather the others on the heap ({@link RunnerGrouping}). The merge
   * step then outputs before the shuffled element's timestamp, and in the pane the runner gives the
   * input's own windowing. Also with a closing pane that repeats: in these batch translations the
   * watermark passes a window's end and its lateness at once, so the gathering path fires one pane
   * for both, as the streaming path does (every windowed scenario on both runners, every pane
   * compared on Spark).
   */
  boolean stampedAtWindowEnd() {
    return grouping.streamsEndOfWindowGroups() && (sessions || outputTime().fromInputs());
  }

  /**
   * Whether blocks that would cross the shuffle in the global window (the input's, or sessions')
   * cross in {@link OneInterval} instead: the runner streams end-of-window groups, but not those of
   * the global window. The partial step's blocks are assigned to it after they are packed; the
   * merge step outputs into the windows its records carry.
   */
  boolean shuffledInOneInterval() {
    return grouping.streamsEndOfWindowGroups()
        && !grouping.streamsTheGlobalWindow()
        && (sessions || input.getWindowFn() instanceof GlobalWindows);
  }

  /**
   * Whether the merge step takes the partial step's blocks one by one, keyed by shard, and spools
   * them to disk until their window ends ({@link SpooledMergeFn}), instead of taking each shard
   * from the runner's {@code GroupByKey}: on Flink's DataStream translation of batch, which holds a
   * group whole on the heap. Its input arrives sorted by key there, so one shard is spooled at a
   * time. Also with a closing pane that repeats: that translation's {@code GroupByKey} fires it
   * empty even when its panes accumulate (measured on Beam 2.62), so through it the merge step got
   * no blocks, and gave nothing, for that pane either.
   */
  boolean spoolsShards() {
    return grouping == RunnerGrouping.FLINK_DATASTREAM;
  }

  /** How the runner groups: the pane a merge step gives its outputs depends on it. */
  RunnerGrouping grouping() {
    return grouping;
  }

  /** The output's windowing: what Beam's {@code GroupByKey} gives for the input's. */
  WindowingStrategy<?, ?> output() {
    return GroupByKey.create().updateWindowingStrategy(input);
  }
}
