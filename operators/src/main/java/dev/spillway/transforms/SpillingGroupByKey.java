package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.ExternalGroupBy;
import dev.spillway.spill.ExternalSorter;
import dev.spillway.spill.GroupCursor;
import dev.spillway.spill.GroupValues;
import dev.spillway.spill.RecordCursor;
import dev.spillway.spill.SpillingEngine;
import dev.spillway.spill.ValueCursor;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * {@code GroupByKey} whose per-key state lives in spillway's spilling engine.
 *
 * <pre>{@code
 * PCollection<KV<String, Iterable<Long>>> byUser = events.apply(
 *     SpillingGroupByKey.<String, Long>create()
 *         .withOptions(SpillOptions.create().withMemoryBudgetBytes(256L << 20)));
 * }</pre>
 *
 * <p>Two steps: each bundle packs its (window, key, value) records into blocks of hash shards as
 * they come, without grouping them (as Spark's {@code groupByKey} turns off map-side combining: a
 * block holds a key beside every value either way); the runner's {@code GroupByKey} moves the
 * blocks; a group-by per shuffled shard brings each key's values together, under the budget (a key
 * with more values than the budget spills them), and outputs each key once per window (per merged
 * session with {@code Sessions}) with its values in a re-iterable collection, at the timestamp and
 * in the pane {@code GroupByKey} gives. A key's values from one bundle keep their input order.
 *
 * <p>The emitted values stay encoded on the heap (a few bytes a value) and are decoded on each
 * iteration: the budget bounds the grouping; the element handed downstream is the key's encoded
 * values. Requirements and metrics as {@link SpillingCombine}.
 */
public final class SpillingGroupByKey<K, V>
    extends PTransform<PCollection<KV<K, V>>, PCollection<KV<K, Iterable<V>>>> {
  private static final long serialVersionUID = 1L;

  private final SpillOptions options;

  /** What the last expansion resolved the options to, for display data. */
  private transient SpillOptions expandedWith;

  private SpillingGroupByKey(SpillOptions options) {
    this.options = options;
  }

  /** Groups the values of each key, as {@code GroupByKey.create()}. */
  public static <K, V> SpillingGroupByKey<K, V> create() {
    return new SpillingGroupByKey<>(null);
  }

  /** The memory budget, spill directories and codec to use. */
  public SpillingGroupByKey<K, V> withOptions(SpillOptions options) {
    return new SpillingGroupByKey<>(Objects.requireNonNull(options, "options"));
  }

  @Override
  public PCollection<KV<K, Iterable<V>>> expand(PCollection<KV<K, V>> input) {
    String name = "SpillingGroupByKey";
    KvCoder<K, V> kv = InputChecks.keyedInput(name, input);
    Windowing windowing = Windowing.of(name, input);
    expandedWith = SpillOptions.resolve(options, input.getPipeline().getOptions());
    GroupStepFn<K, V, KV<Integer, Iterable<byte[]>>, KV<K, Iterable<V>>, ?> merge =
        windowing.sessions()
            ? new MergeSessionsFn<>(kv, windowing, expandedWith)
            : new MergeGroupFn<>(kv, windowing, expandedWith);
    KvCoder<K, Iterable<V>> outputCoder =
        KvCoder.of(kv.getKeyCoder(), IterableCoder.of(kv.getValueCoder()));
    PCollection<KV<K, Iterable<V>>> output =
        TwoPhase.expand(input, windowing, new PartialGroupFn<>(kv, windowing, expandedWith), merge)
            .setCoder(outputCoder);
    // GroupByKey's output type is its coder's (KV<String, Iterable<Long>>), not the type variables
    // of the merge step's DoFn: what a step inferring a coder or schema from the input type sees.
    output.setTypeDescriptor(outputCoder.getEncodedTypeDescriptor());
    return output;
  }

  /**
   * Groups as this transform does and runs {@code processor} on each key's values inside the
   * engine, streamed from memory and spill files instead of handed on as one element: for keys with
   * more values than a heap holds. See {@link GroupProcessor} for what its values promise. In
   * {@code Sessions} the processor runs on each merged session of a key, in the merged window.
   */
  public <OutputT> ProcessGroups<K, V, OutputT> thenProcess(
      GroupProcessor<K, V, OutputT> processor) {
    return new ProcessGroups<>(processor, options, null, false);
  }

  /**
   * As {@link #thenProcess}, with each key's values, which must be pairs ({@code KV<K2, V2>} with a
   * {@code KvCoder}), sorted by the encoding of their keys: Beam's {@code GroupByKey} then the
   * sorter extension's {@code SortValues}, with neither a heap nor a 2 GB limit on a group. Keys of
   * pairs compare by their encoded bytes as unsigned, shorter first on a common prefix (encode
   * signed numbers order-preservingly); equal ones keep their order within a bundle. The values are
   * re-iterable as {@link GroupProcessor} says; they are sorted by an external sort, whose runs
   * always go to disk, so prefer {@link #thenProcess} where order does not matter. In {@code
   * Sessions}, each merged session's pairs are sorted (in a second sort, once the session is
   * known).
   *
   * <pre>{@code
   * events.apply(SpillingGroupByKey.<String, KV<Long, String>>create()
   *     .thenProcessSorted(new SessionsOfUser()));  // values ordered by their Long time
   * }</pre>
   */
  public <OutputT> ProcessGroups<K, V, OutputT> thenProcessSorted(
      GroupProcessor<K, V, OutputT> processor) {
    return new ProcessGroups<>(processor, options, null, true);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    SpillOptions.populateDisplayData(expandedWith != null ? expandedWith : options, builder);
  }

  /**
   * What the merge steps share: the value coder, and the layout of a value as {@link
   * PartialGroupFn} packs it: {@code [value]}, or {@code [timestamp][value]} when outputs take
   * their inputs' timestamps.
   */
  abstract static class GroupStepFn<K, V, DoFnInputT, DoFnOutputT, E extends SpillingEngine>
      extends EngineFn<K, DoFnInputT, DoFnOutputT, E> {
    private static final long serialVersionUID = 1L;

    private final Coder<V> valueCoder;
    final OutputTime time;
    transient CoderCodec<V> values;

    GroupStepFn(KvCoder<K, V> coder, Windowing windowing, SpillOptions options) {
      super(coder.getKeyCoder(), windowing, options);
      this.valueCoder = coder.getValueCoder();
      this.time = windowing.outputTime();
    }

    @Override
    void setUpCodecs() {
      values = new CoderCodec<>(valueCoder);
    }

    /** The bytes in front of each value in the engines. */
    int prefixBytes() {
      return time.fromInputs() ? Stamped.TIMESTAMP_BYTES : 0;
    }

    /**
     * A merge step's grouping: adds one shuffled shard's records to {@code groups} and hands each
     * key, decoded with its window, and its values to {@code each}.
     */
    void groupShard(ExternalGroupBy groups, Iterable<byte[]> blocks, GroupVisitor<K> each) {
      forEachRecord(blocks, groups::add);
      try (GroupCursor out = groups.finish()) {
        while (out.next()) {
          each.accept(
              keys().decode(out.keyArray(), out.keyOffset(), out.keyLength()), out.values());
        }
      }
    }
  }

  /** Receives a key of a merge step with its window, and its values. */
  @FunctionalInterface
  interface GroupVisitor<K> {
    void accept(EngineKey.Decoded<K> key, GroupValues values);
  }

  /**
   * The partial step: packs each element, (window, key) and value, into its shard's block as it
   * comes, and emits full blocks at once and the rest at the bundle's end. It groups nothing: a
   * block holds a key beside every value whether or not a bundle's values of one key lie together,
   * so grouping them first (in an engine, spilling a large bundle) would cost the step a hash probe
   * and the spill's disk round trip a record, and save the shuffle nothing. The merge step groups.
   * The packer holds at most {@link ShardPacker#MAX_BUFFERED_BYTES} of partly filled blocks.
   */
  static final class PartialGroupFn<K, V> extends ShuffleStepFn<K, KV<K, V>, KV<Integer, byte[]>> {
    private static final long serialVersionUID = 1L;

    private final Coder<V> valueCoder;
    private final OutputTime time;

    private transient CoderCodec<V> values;

    /**
     * A value as the merge steps read it: {@code [timestamp][value]} when outputs take their
     * inputs' timestamps, else {@code [value]}.
     */
    private transient ByteSink value;

    /** The bundle's packer, made at its first element. */
    private transient ShardPacker packer;

    /** The receiver of the element being processed, through which full blocks go out. */
    private transient OutputReceiver<KV<Integer, byte[]>> receiver;

    /** The bundle's end, once its last blocks are being emitted. */
    private transient FinishBundleContext finishing;

    PartialGroupFn(KvCoder<K, V> coder, Windowing windowing, SpillOptions options) {
      super(coder.getKeyCoder(), windowing, options);
      this.valueCoder = coder.getValueCoder();
      this.time = windowing.outputTime();
    }

    @Override
    void setUpStep() {
      values = new CoderCodec<>(valueCoder);
      value = new ByteSink();
    }

    /** A bundle that failed left its packer's blocks: they are not this bundle's. */
    @Override
    void startStepBundle() {
      packer = null;
      finishing = null;
    }

    @ProcessElement
    public void processElement(
        @Element KV<K, V> element,
        BoundedWindow window,
        @Timestamp Instant timestamp,
        OutputReceiver<KV<Integer, byte[]>> out) {
      if (packer == null) {
        packer = packerFor(() -> receiver, () -> finishing);
      }
      receiver = out;
      noteInputTime(timestamp);
      ByteSink key = keys().encode(window, element.getKey());
      byte[] k = key.array();
      int kLen = key.length();
      value.clear();
      long outputTime;
      if (time.fromInputs()) {
        outputTime = timestamp.getMillis();
        Stamped.writeTimestamp(outputTime, value);
      } else {
        outputTime = keys().maxTimestampMillis(k, 0, kLen);
      }
      values.encode(element.getValue(), value);
      packer.add(
          keys().shuffleWindow(k, 0, kLen),
          keys().shardOf(k, 0, kLen, options.shards()),
          outputTime,
          k,
          0,
          kLen,
          value.array(),
          0,
          value.length());
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      if (packer != null) {
        finishing = context;
        receiver = null;
        packer.flush();
      }
      sendLateSessionsProbe(context);
      packer = null;
      finishing = null;
    }
  }

  /** Collects one key's values (without their timestamps) and their combined timestamp. */
  private static final class Collected {
    private final OutputTime time;
    private final int prefix;
    private final GroupBytesLimit limit;
    private final EncodedValues.Builder values = new EncodedValues.Builder();
    private long millis;
    private boolean empty = true;

    Collected(OutputTime time, int prefix, long maxBytes) {
      this.time = time;
      this.prefix = prefix;
      this.limit =
          new GroupBytesLimit(
              maxBytes,
              "SpillingGroupByKey: the values of one key",
              "values",
              "Process such a group inside the engine, streamed from disk, with"
                  + " SpillingGroupByKey.create().thenProcess(GroupProcessor).");
    }

    void add(byte[] bytes, int offset, int length) {
      limit.add(length - prefix);
      if (prefix > 0) {
        long t = Stamped.readTimestamp(bytes, offset);
        millis = empty ? t : time.combine(millis, t);
      }
      empty = false;
      values.add(bytes, offset + prefix, length - prefix);
    }

    /** The values collected, and a fresh start. */
    <V> EncodedValues<V> take(CoderCodec<V> codec) {
      EncodedValues<V> built = values.build(codec);
      empty = true;
      limit.reset();
      return built;
    }

    long outputMillis(BoundedWindow window) {
      return time.of(window, millis);
    }
  }

  /** Brings each key's values of one shuffled shard together and outputs them. */
  static final class MergeGroupFn<K, V>
      extends GroupStepFn<
          K, V, KV<Integer, Iterable<byte[]>>, KV<K, Iterable<V>>, ExternalGroupBy> {
    private static final long serialVersionUID = 1L;

    MergeGroupFn(KvCoder<K, V> coder, Windowing windowing, SpillOptions options) {
      super(coder, windowing, options);
    }

    @Override
    ExternalGroupBy newEngine() {
      return new ExternalGroupBy(mergeStepConfig());
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<KV<K, Iterable<V>>> receiver) {
      merge(shard, pane, receiver);
    }

    @Override
    void merge(
        KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<KV<K, Iterable<V>>> receiver) {
      Collected collected = new Collected(time, prefixBytes(), options.maxGroupBytes());
      Firing firing = firing(pane);
      mergeShard(
          shard.getValue(),
          pane,
          groups ->
              groupShard(
                  groups,
                  shard.getValue(),
                  (k, groupValues) -> {
                    if (firing.empty()) {
                      output(
                          receiver,
                          KV.of(k.key(), List.of()),
                          k.window().maxTimestamp(),
                          k.window(),
                          pane);
                      return;
                    }
                    ValueCursor cursor = groupValues.cursor();
                    while (cursor.next()) {
                      collected.add(cursor.array(), cursor.offset(), cursor.length());
                    }
                    Instant time =
                        firing.outputTime(k.window(), () -> collected.outputMillis(k.window()));
                    output(
                        receiver, KV.of(k.key(), collected.take(values)), time, k.window(), pane);
                  }));
    }
  }

  /**
   * Groups one shuffled shard's values by session: sorted by key and window start, each key's
   * overlapping windows merged as {@code Sessions} does; outputs each session's values into its
   * merged window, with the pane of the shuffle's firing.
   */
  static final class MergeSessionsFn<K, V>
      extends GroupStepFn<K, V, KV<Integer, Iterable<byte[]>>, KV<K, Iterable<V>>, ExternalSorter> {
    private static final long serialVersionUID = 1L;

    MergeSessionsFn(KvCoder<K, V> coder, Windowing windowing, SpillOptions options) {
      super(coder, windowing, options);
    }

    @Override
    ExternalSorter newEngine() {
      return new ExternalSorter(mergeStepConfig());
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<KV<K, Iterable<V>>> receiver) {
      merge(shard, pane, receiver);
    }

    @Override
    void merge(
        KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<KV<K, Iterable<V>>> receiver) {
      mergeShard(
          shard.getValue(),
          pane,
          sorter -> {
            forEachRecord(shard.getValue(), sorter::add);
            Collected collected = new Collected(time, prefixBytes(), options.maxGroupBytes());
            try (RecordCursor sorted = sorter.finish()) {
              SessionMerge.walk(
                  sorted,
                  new SessionMerge.Sessions() {
                    private K key;

                    @Override
                    public void begin(byte[] bytes, int offset, int length, long start) {
                      key = keys().decodeKeyPart(bytes, offset, length);
                    }

                    @Override
                    public void value(byte[] bytes, int offset, int length) {
                      collected.add(bytes, offset, length);
                    }

                    @Override
                    public void end(long start, long end) {
                      IntervalWindow window =
                          new IntervalWindow(new Instant(start), new Instant(end));
                      long millis = collected.outputMillis(window);
                      output(
                          receiver,
                          KV.of(key, collected.take(values)),
                          new Instant(millis),
                          window,
                          pane);
                    }
                  });
            }
          });
    }
  }
}
