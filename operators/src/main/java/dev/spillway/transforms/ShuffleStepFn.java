package dev.spillway.transforms;

import dev.spillway.spill.RecordSink;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * A step of {@link TwoPhase}: a DoFn that keys records by (window, key) ({@link EngineKey}) and
 * whose blocks cross the runner's shuffle through a {@link BlockTransport}. A partial step packs
 * blocks ({@link #packerFor}); a merge step reads them ({@link #forEachRecord}).
 *
 * <p>The lifecycle methods are final; a subclass adds to them through {@link #setUpStep}, {@link
 * #startStepBundle} and {@link #tearDownStep}, so that the runner sees one method of each.
 */
abstract class ShuffleStepFn<K, InputT, OutputT> extends DoFn<InputT, OutputT> {
  private static final long serialVersionUID = 1L;

  private final Coder<K> keyCoder;
  private final Coder<BoundedWindow> windowCoder;
  private final boolean sessions;
  private final boolean closingPaneRepeats;
  private final boolean closingPaneEmpty;
  private final boolean stampedAtWindowEnd;
  private final RunnerGrouping grouping;
  private final long lateSessionsProbeGapMillis;
  private final String transform;
  final SpillOptions options;

  /** A partial step's blocks, when it also sends {@link #LATE_PROBES}. */
  static final TupleTag<KV<Integer, byte[]>> BLOCKS = new TupleTag<KV<Integer, byte[]>>() {};

  /** A partial step's probes for late data in sessions ({@link LateSessionsCheck}). */
  static final TupleTag<Long> LATE_PROBES = new TupleTag<Long>() {};

  /** The earliest input time of a partial step's bundle so far, for its late-data probe. */
  private transient long earliestInputMillis;

  /** How blocks cross the shuffle; {@link TwoPhase} sets it before the DoFn is serialized. */
  private BlockTransport transport = BlockTransport.inline();

  private transient EngineKey<K> keys;

  ShuffleStepFn(Coder<K> keyCoder, Windowing windowing, SpillOptions options) {
    this.keyCoder = keyCoder;
    this.windowCoder = windowing.windowCoder();
    this.sessions = windowing.sessions();
    this.closingPaneRepeats = windowing.closingPaneRepeats();
    this.closingPaneEmpty = windowing.closingPaneEmpty();
    this.stampedAtWindowEnd = windowing.stampedAtWindowEnd();
    this.grouping = windowing.grouping();
    this.lateSessionsProbeGapMillis = windowing.lateSessionsProbeGapMillis();
    this.transform = windowing.transform();
    this.options = options;
  }

  /**
   * Unbounded when blocks cross the shuffle stamped at their window's end ({@link
   * Windowing#stampedAtWindowEnd}): a merge step outputs each result at its own time, before the
   * shuffled element's, on batch runners where nothing is late. Otherwise none, Beam's default.
   */
  @Override
  @SuppressWarnings("deprecation") // The skew is deprecated for users; runners still respect it.
  public Duration getAllowedTimestampSkew() {
    return stampedAtWindowEnd ? Duration.millis(Long.MAX_VALUE) : Duration.ZERO;
  }

  /** The pane a merge step gives its outputs for the shuffle's firing {@code pane}. */
  PaneInfo outputPane(PaneInfo pane) {
    return stampedAtWindowEnd ? grouping.paneOfGatheredGroup(pane) : pane;
  }

  /**
   * Outputs a merge step's result {@code value} at {@code timestamp} into {@code window}, in the
   * pane it gives for the shuffle's firing {@code pane} ({@link #outputPane}).
   */
  <T> void output(
      DoFn.OutputReceiver<T> receiver,
      T value,
      Instant timestamp,
      BoundedWindow window,
      PaneInfo pane) {
    receiver.outputWindowedValue(value, timestamp, List.of(window), outputPane(pane));
  }

  @Setup
  public final void setup() {
    keys = sessions ? new SessionKey<>(keyCoder) : new WindowedKey<>(keyCoder, windowCoder);
    setUpStep();
  }

  /**
   * Joins the transport on the first bundle: {@code runOptions} are the run's own, which
   * {@code @Setup} is not given on the DirectRunner (it passes the pipeline's, the same for every
   * run).
   */
  @StartBundle
  public final void startBundle(PipelineOptions runOptions) {
    earliestInputMillis = Long.MAX_VALUE;
    startStepBundle();
    transport.join(runOptions);
  }

  /** Leaves the transport (the last step to leave deletes its files). */
  @Teardown
  public final void teardown() {
    if (keys != null) {
      tearDownStep();
      keys = null;
      transport.leave();
    }
  }

  /**
   * A merge step's work on one shuffled element, {@code shard}'s blocks fired in {@code pane}: what
   * its {@code @ProcessElement} does, and what {@link SpooledMergeFn} has it do on blocks it
   * spooled itself.
   */
  void merge(
      KV<Integer, Iterable<byte[]>> shard, PaneInfo pane, DoFn.OutputReceiver<OutputT> receiver) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " is not a merge step");
  }

  /** What a subclass sets up besides the keys; called once per DoFn instance. */
  void setUpStep() {}

  /** What a subclass does at the start of each bundle. */
  void startStepBundle() {}

  /** What a subclass tears down; called once, if the DoFn was set up. */
  void tearDownStep() {}

  void shuffleThrough(BlockTransport transport) {
    this.transport = transport;
  }

  /** Encodes engine keys: (window, key). */
  EngineKey<K> keys() {
    return keys;
  }

  /**
   * A packer whose blocks a partial step outputs as {@code (shard, block)} in the block's window,
   * at its timestamp, with the pane a bundle's end gives ({@code NO_FIRING}): through the bundle's
   * context once {@code finishing} gives one, else through the receiver of the element being
   * processed.
   */
  ShardPacker packerFor(
      Supplier<DoFn.OutputReceiver<KV<Integer, byte[]>>> receiver,
      Supplier<DoFn<?, KV<Integer, byte[]>>.FinishBundleContext> finishing) {
    return new ShardPacker(
        options.shards(),
        (shard, block, window, millis) -> {
          KV<Integer, byte[]> element = KV.of(shard, transport.send(block));
          Instant timestamp = new Instant(millis);
          DoFn<?, KV<Integer, byte[]>>.FinishBundleContext end = finishing.get();
          if (end != null) {
            end.output(element, timestamp, window);
          } else {
            receiver
                .get()
                .outputWindowedValue(element, timestamp, List.of(window), PaneInfo.NO_FIRING);
          }
        });
  }

  /** A partial step notes each input's timestamp, for its bundle's late-data probe. */
  final void noteInputTime(Instant timestamp) {
    earliestInputMillis = Math.min(earliestInputMillis, timestamp.getMillis());
  }

  /**
   * At a partial step's bundle's end, sends its probe for late data in sessions, if it sends them:
   * the bundle's earliest input time, in that input's session window ({@link LateSessionsCheck}).
   */
  final void sendLateSessionsProbe(FinishBundleContext context) {
    if (lateSessionsProbeGapMillis > 0 && LateSessionsCheck.probes(earliestInputMillis)) {
      context.output(
          LATE_PROBES,
          earliestInputMillis,
          new Instant(earliestInputMillis),
          LateSessionsCheck.windowOf(earliestInputMillis, lateSessionsProbeGapMillis));
    }
    earliestInputMillis = Long.MAX_VALUE;
  }

  /** Hands every record of a shuffled element's blocks to {@code sink}. */
  void forEachRecord(Iterable<byte[]> blocks, RecordSink sink) {
    transport.forEachRecord(blocks, sink);
  }

  /**
   * Lets the transport drop a shuffled element's blocks, once they are merged, unless the shuffle
   * fires them again in a later pane ({@link Windowing#closingPaneRepeats}).
   */
  void consumed(Iterable<byte[]> blocks, PaneInfo pane) {
    if (!closingPaneRepeats || pane.isLast()) {
      transport.consumed(blocks);
    }
  }

  /**
   * What a merge step outputs for each key of the shuffle's firing {@code pane}: in a closing pane
   * that repeats the blocks fired before ({@link Windowing#closingPaneRepeats}), each key's result
   * again, or its empty result if the input discards, at the end of its window. Any other {@code
   * LATE} firing fails, naming the late data that caused it ({@link #lateData}).
   */
  Firing firing(PaneInfo pane) {
    if (pane.getTiming() == PaneInfo.Timing.LATE && !(closingPaneRepeats && pane.isLast())) {
      throw new IllegalStateException(transform + ": " + lateData(pane));
    }
    if (!closingPaneRepeats || pane.getIndex() == 0) {
      return Firing.RESULTS;
    }
    return closingPaneEmpty ? Firing.EMPTY_AT_WINDOW_END : Firing.RESULTS_AT_WINDOW_END;
  }

  /**
   * Why a {@code LATE} firing of the shuffle that is not its closing pane fails: only late data
   * gives one. Beam's {@code GroupByKey} fires late panes key by key, each numbered among its key's
   * own panes, and drops nothing the lateness allows; the shuffle fires them shard by shard, so a
   * key's pane would carry its shard's number, and an accumulating pane would repeat every key of
   * the shard. Failing names the cause instead of giving other panes than the built-in's.
   */
  private static String lateData(PaneInfo pane) {
    return "spillway's shuffle fired a LATE pane ("
        + pane
        + "): the input has late data, elements behind the watermark, which a bounded input has"
        + " only when a step moves timestamps back (DoFn.getAllowedTimestampSkew) or a test holds"
        + " its watermark back. Beam's GroupByKey fires such panes key by key, which spillway, whose"
        + " shuffle carries shards of many keys, cannot give alike. Use Beam's built-in transform"
        + " for input with late data, or window it with no allowed lateness, which drops late data"
        + " as the built-in does.";
  }

  /** What a merge step outputs for each key of a firing of the shuffle. */
  enum Firing {
    /** Each key's result, at the timestamp its inputs give. */
    RESULTS(false, false),
    /**
     * Each key's result again, at the end of its window: as Beam's {@code GroupByKey} gives an
     * accumulating closing pane, whose inputs' holds the first pane released.
     */
    RESULTS_AT_WINDOW_END(false, true),
    /** Each key's empty result (an empty group), at the end of its window. */
    EMPTY_AT_WINDOW_END(true, true);

    private final boolean empty;
    private final boolean atWindowEnd;

    Firing(boolean empty, boolean atWindowEnd) {
      this.empty = empty;
      this.atWindowEnd = atWindowEnd;
    }

    /** Whether each key gets its empty result. */
    boolean empty() {
      return empty;
    }

    /**
     * A key's output time: the end of {@code window}, or the time its inputs give, asked of {@code
     * inputsMillis} only then (it may be a pass over the key's values).
     */
    Instant outputTime(BoundedWindow window, LongSupplier inputsMillis) {
      return atWindowEnd ? window.maxTimestamp() : new Instant(inputsMillis.getAsLong());
    }
  }
}
