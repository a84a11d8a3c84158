package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.CombineCursor;
import dev.spillway.spill.ExternalMerger;
import dev.spillway.spill.ExternalSorter;
import dev.spillway.spill.RecordCursor;
import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillingEngine;
import dev.spillway.spill.ValueCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableBiFunction;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.NameUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * {@code Combine.perKey} whose per-key state lives in spillway's spilling engine, so a bundle, a
 * key space or a whole job may be far larger than the heap.
 *
 * <pre>{@code
 * PCollection<KV<String, Long>> totals = sales.apply(
 *     SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs())
 *         .withOptions(SpillOptions.create().withMemoryBudgetBytes(256L << 20)));
 * }</pre>
 *
 * <p>The shape of PySpark's {@code combineByKey}: each bundle combines its values by (window, key)
 * in an {@code ExternalMerger} and, when it finishes, packs the partial accumulators into blocks of
 * hash shards; the runner's {@code GroupByKey} moves the blocks; a second merger per shuffled shard
 * merges its accumulators, under the same budget, and outputs each key's result.
 *
 * <p>The output is what {@code Combine.perKey(fn)} gives on the same input, window for window: each
 * key once per window (per merged session with {@code Sessions}), at the timestamp the input's
 * {@code TimestampCombiner} gives, in the pane the runner's own {@code GroupByKey} would fire,
 * never behind the watermark. Requires a {@link KvCoder} with a deterministic key coder, a coder
 * for the CombineFn's accumulators (they are spilled), bounded input, non-merging windows or {@code
 * Sessions}, and a trigger that fires once at the end of the window; {@code expand()} names what is
 * not met. Late data (elements behind the watermark, which a bounded input has only where a step
 * moves timestamps back) is dropped as the built-in drops it where the windows do not merge and no
 * lateness is allowed; where the built-in would fire it in late panes, or in {@code Sessions}, the
 * pipeline fails, naming it. A CombineFn that gives no coder for its outputs leaves the output's
 * coder to the user, as after {@code Combine.perKey}. Publishes Beam counters {@code
 * spillway/spillCount}, {@code memoryBytesSpilled} and {@code diskBytesSpilled}.
 */
public final class SpillingCombine {
  private SpillingCombine() {}

  /**
   * Combines the values of each key with {@code fn}, as {@code Combine.perKey(fn)}; {@code fn} may
   * take a supertype of the input's values, as Beam's does.
   */
  @SuppressWarnings("unchecked") // fn only consumes inputs, so one taking a supertype takes these.
  public static <K, InputT, OutputT> PerKey<K, InputT, OutputT> perKey(
      CombineFn<? super InputT, ?, OutputT> fn) {
    return new PerKey<>((CombineFn<InputT, ?, OutputT>) Objects.requireNonNull(fn, "fn"), null);
  }

  /**
   * Combines the values of each key with a function of a key's values, as {@code
   * Combine.perKey(fn)} does: through {@link Combine.IterableCombineFn}, which buffers values and
   * applies {@code fn} to them, and to its own results, as they accumulate.
   *
   * <pre>{@code
   * PCollection<KV<String, String>> longest = names.apply(
   *     SpillingCombine.<String, String>perKey(
   *         values -> {
   *           String longest = "";
   *           for (String v : values) {
   *             longest = v.length() > longest.length() ? v : longest;
   *           }
   *           return longest;
   *         }));
   * }</pre>
   */
  public static <K, V> PerKey<K, V, V> perKey(SerializableFunction<Iterable<V>, V> fn) {
    return perKey(Combine.IterableCombineFn.of(Objects.requireNonNull(fn, "fn")));
  }

  /**
   * Combines the values of each key pairwise with an associative, commutative {@code fn}, as {@code
   * Combine.perKey(fn)} does (through {@link Combine.BinaryCombineFn}).
   *
   * <pre>{@code
   * PCollection<KV<String, Integer>> highest =
   *     scores.apply(SpillingCombine.<String, Integer>perKey(Math::max));
   * }</pre>
   */
  public static <K, V> PerKey<K, V, V> perKey(SerializableBiFunction<V, V, V> fn) {
    return perKey(Combine.BinaryCombineFn.of(Objects.requireNonNull(fn, "fn")));
  }

  /** The transform of {@link #perKey}. */
  public static final class PerKey<K, InputT, OutputT>
      extends PTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> {
    private static final long serialVersionUID = 1L;

    private final CombineFn<InputT, ?, OutputT> fn;

    /** Null: the pipeline's {@link SpillwayPipelineOptions}. */
    private final SpillOptions options;

    /** What the last expansion resolved the options to, for display data. */
    private transient SpillOptions expandedWith;

    private PerKey(CombineFn<InputT, ?, OutputT> fn, SpillOptions options) {
      this.fn = fn;
      this.options = options;
    }

    /**
     * The memory budget, spill directories and codec to use; without it, the pipeline's {@link
     * SpillwayPipelineOptions}.
     */
    public PerKey<K, InputT, OutputT> withOptions(SpillOptions options) {
      return new PerKey<>(fn, Objects.requireNonNull(options, "options"));
    }

    /** The CombineFn applied to each key's values. */
    public CombineFn<InputT, ?, OutputT> getFn() {
      return fn;
    }

    @Override
    public PCollection<KV<K, OutputT>> expand(PCollection<KV<K, InputT>> input) {
      return expandWith(fn, input);
    }

    private <AccumT> PCollection<KV<K, OutputT>> expandWith(
        CombineFn<InputT, AccumT, OutputT> combineFn, PCollection<KV<K, InputT>> input) {
      String name = getKindString();
      KvCoder<K, InputT> kv = InputChecks.keyedInput(name, input);
      Windowing windowing = Windowing.of(name, input);
      Coder<AccumT> accumulatorCoder;
      try {
        accumulatorCoder =
            combineFn.getAccumulatorCoder(
                input.getPipeline().getCoderRegistry(), kv.getValueCoder());
      } catch (CannotProvideCoderException e) {
        throw new IllegalStateException(
            name
                + " spills accumulators, so it needs a coder for those of "
                + combineFn
                + " (override getAccumulatorCoder or register one): "
                + e.getMessage(),
            e);
      }
      expandedWith = SpillOptions.resolve(options, input.getPipeline().getOptions());
      Steps<K, InputT, AccumT, OutputT> steps =
          new Steps<>(
              combineFn,
              Accumulation.of(combineFn, windowing.outputTime()),
              kv.getKeyCoder(),
              accumulatorCoder,
              windowing,
              expandedWith);
      PCollection<KV<K, OutputT>> output =
          TwoPhase.expand(input, windowing, steps.partial(), steps.merge());
      outputCoder(combineFn, input, kv)
          .ifPresent(coder -> output.setCoder(KvCoder.of(kv.getKeyCoder(), coder)));
      return output;
    }

    /**
     * The output's value coder when the registry provides one; otherwise none, and the user sets
     * the output's coder, as after {@code Combine.perKey} (whose {@code GroupedValues} leaves coder
     * inference for later when the CombineFn gives none).
     */
    private static <AccumT, OutputT, K, InputT> Optional<Coder<OutputT>> outputCoder(
        CombineFn<InputT, AccumT, OutputT> combineFn,
        PCollection<KV<K, InputT>> input,
        KvCoder<K, InputT> kv) {
      try {
        return Optional.of(
            combineFn.getDefaultOutputCoder(
                input.getPipeline().getCoderRegistry(), kv.getValueCoder()));
      } catch (CannotProvideCoderException e) {
        return Optional.empty();
      }
    }

    /** {@code SpillingCombine.perKey(SumLong)}, as Beam names {@code Combine.perKey(SumLong)}. */
    @Override
    protected String getKindString() {
      return "SpillingCombine.perKey(" + NameUtils.approximateSimpleName(fn) + ")";
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder.add(DisplayData.item("combineFn", fn.getClass()).withLabel("Combine function"));
      builder.include("combineFn", fn);
      SpillOptions.populateDisplayData(expandedWith != null ? expandedWith : options, builder);
    }
  }

  /** The DoFns of one application, typed by what its engines hold. */
  private static final class Steps<K, InputT, AccumT, OutputT> {
    private final CombineFn<InputT, AccumT, OutputT> fn;
    private final Accumulation<InputT, AccumT, ?, ?> accumulation;
    private final Coder<K> keyCoder;
    private final Coder<AccumT> accumulatorCoder;
    private final Windowing windowing;
    private final SpillOptions options;

    Steps(
        CombineFn<InputT, AccumT, OutputT> fn,
        Accumulation<InputT, AccumT, ?, ?> accumulation,
        Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder,
        Windowing windowing,
        SpillOptions options) {
      this.fn = fn;
      this.accumulation = accumulation;
      this.keyCoder = keyCoder;
      this.accumulatorCoder = accumulatorCoder;
      this.windowing = windowing;
      this.options = options;
    }

    PartialCombineFn<K, InputT, AccumT, ?, ?> partial() {
      return new PartialCombineFn<>(
          fn, accumulation, keyCoder, accumulatorCoder, windowing, options);
    }

    /** The merge step for the input's windowing: sessions merged, or windows as they are. */
    EngineFn<?, KV<Integer, Iterable<byte[]>>, KV<K, OutputT>, ?> merge() {
      if (windowing.sessions()) {
        return new MergeSessionsFn<>(
            fn, accumulation, keyCoder, accumulatorCoder, windowing, options);
      }
      return new MergeCombineFn<>(fn, accumulation, keyCoder, accumulatorCoder, windowing, options);
    }
  }

  /**
   * What the steps share: the CombineFn, how accumulators are held, and their codec in the engines.
   */
  abstract static class CombineStepFn<
          K, InputT, AccumT, OutputT, V, A, DoFnInputT, DoFnOutputT, E extends SpillingEngine>
      extends EngineFn<K, DoFnInputT, DoFnOutputT, E> {
    private static final long serialVersionUID = 1L;

    final CombineFn<InputT, AccumT, OutputT> fn;
    final Accumulation<InputT, AccumT, V, A> accumulation;
    final OutputTime time;
    private final Coder<AccumT> accumulatorCoder;
    transient ValueCodec<A> codec;

    @SuppressWarnings("unchecked")
    CombineStepFn(
        CombineFn<InputT, AccumT, OutputT> fn,
        Accumulation<InputT, AccumT, ?, ?> accumulation,
        Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder,
        Windowing windowing,
        SpillOptions options) {
      super(keyCoder, windowing, options);
      this.fn = fn;
      this.accumulation = (Accumulation<InputT, AccumT, V, A>) accumulation;
      this.time = windowing.outputTime();
      this.accumulatorCoder = accumulatorCoder;
    }

    @Override
    void setUpCodecs() {
      codec = accumulation.codec(new CoderCodec<>(accumulatorCoder));
    }

    ExternalMerger<V, A> newMerger(SpillConfig config) {
      return new ExternalMerger<>(accumulation.aggregator(), codec, config);
    }
  }

  /** Combines a bundle's values by (window, key) and emits packed partial accumulators. */
  static final class PartialCombineFn<K, InputT, AccumT, V, A>
      extends CombineStepFn<
          K,
          InputT,
          AccumT,
          Object,
          V,
          A,
          KV<K, InputT>,
          KV<Integer, byte[]>,
          ExternalMerger<V, A>> {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("unchecked")
    PartialCombineFn(
        CombineFn<InputT, AccumT, ?> fn,
        Accumulation<InputT, AccumT, ?, ?> accumulation,
        Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder,
        Windowing windowing,
        SpillOptions options) {
      super(
          (CombineFn<InputT, AccumT, Object>) fn,
          accumulation,
          keyCoder,
          accumulatorCoder,
          windowing,
          options);
    }

    /**
     * The bundle's packer: a flushed table's entries while elements come ({@link
     * SpillOptions#flushedPartials}), the engine's output at the bundle's end.
     */
    private transient ShardPacker packer;

    /** The receiver of the element being processed, through which a flush's blocks go out. */
    private transient OutputReceiver<KV<Integer, byte[]>> receiver;

    /** The bundle's end, once its output is being packed. */
    private transient FinishBundleContext finishing;

    private transient ByteSink encoded;

    @ProcessElement
    public void processElement(
        @Element KV<K, InputT> element,
        BoundedWindow window,
        @Timestamp Instant timestamp,
        OutputReceiver<KV<Integer, byte[]>> out) {
      ByteSink key = keys().encode(window, element.getKey());
      receiver = out;
      noteInputTime(timestamp);
      engine()
          .add(
              key.array(),
              0,
              key.length(),
              accumulation.input(element.getValue(), timestamp.getMillis()));
    }

    @Override
    ExternalMerger<V, A> newEngine() {
      ExternalMerger<V, A> merger = newMerger(options.toConfig());
      encoded = new ByteSink();
      finishing = null;
      packer = packerFor(() -> receiver, () -> finishing);
      if (options.flushedPartials()) {
        merger.flushWhenFull(this::pack);
      }
      return merger;
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      finishing = context;
      receiver = null;
      finishEngine(
          engine -> {
            try (CombineCursor<A> out = engine.finish()) {
              while (out.next()) {
                pack(out.keyArray(), out.keyOffset(), out.keyLength(), out.accumulator());
              }
            }
            packer.flush();
          });
      sendLateSessionsProbe(context);
      packer = null;
      finishing = null;
    }

    /** Adds a key's partial accumulator to the packer, in its window and shard. */
    private void pack(byte[] k, int kOff, int kLen, A accumulator) {
      encoded.clear();
      codec.encode(accumulator, encoded);
      long outputTime =
          time.fromInputs()
              ? accumulation.millis(accumulator)
              : keys().maxTimestampMillis(k, kOff, kLen);
      packer.add(
          keys().shuffleWindow(k, kOff, kLen),
          keys().shardOf(k, kOff, kLen, options.shards()),
          outputTime,
          k,
          kOff,
          kLen,
          encoded.array(),
          0,
          encoded.length());
    }
  }

  /**
   * Merges the partial accumulators of one shuffled shard and outputs each key's result in the
   * shard's window and pane.
   */
  static final class MergeCombineFn<K, InputT, AccumT, OutputT, V, A>
      extends CombineStepFn<
          K,
          InputT,
          AccumT,
          OutputT,
          V,
          A,
          KV<Integer, Iterable<byte[]>>,
          KV<K, OutputT>,
          ExternalMerger<V, A>> {
    private static final long serialVersionUID = 1L;

    MergeCombineFn(
        CombineFn<InputT, AccumT, OutputT> fn,
        Accumulation<InputT, AccumT, ?, ?> accumulation,
        Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder,
        Windowing windowing,
        SpillOptions options) {
      super(fn, accumulation, keyCoder, accumulatorCoder, windowing, options);
    }

    @Override
    ExternalMerger<V, A> newEngine() {
      return newMerger(mergeStepConfig());
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<KV<K, OutputT>> receiver) {
      merge(shard, pane, receiver);
    }

    @Override
    void merge(
        KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<KV<K, OutputT>> receiver) {
      Firing firing = firing(pane);
      mergeShard(
          shard.getValue(),
          pane,
          merger -> {
            forEachRecord(
                shard.getValue(),
                (k, kOff, kLen, v, vOff, vLen) ->
                    merger.addAccumulator(k, kOff, kLen, codec.decode(v, vOff, vLen)));
            try (CombineCursor<A> out = merger.finish()) {
              while (out.next()) {
                EngineKey.Decoded<K> k =
                    keys().decode(out.keyArray(), out.keyOffset(), out.keyLength());
                if (firing.empty()) {
                  output(
                      receiver,
                      KV.of(k.key(), fn.extractOutput(fn.createAccumulator())),
                      k.window().maxTimestamp(),
                      k.window(),
                      pane);
                  continue;
                }
                A held = out.accumulator();
                output(
                    receiver,
                    KV.of(k.key(), fn.extractOutput(accumulation.accumulator(held))),
                    firing.outputTime(
                        k.window(), () -> time.of(k.window(), accumulation.millis(held))),
                    k.window(),
                    pane);
              }
            }
          });
    }
  }

  /**
   * Merges the partial accumulators of one shuffled shard by session: sorted by key and window
   * start, each key's overlapping windows merged as {@code Sessions} does; outputs each session's
   * result into its merged window, with the pane of the shuffle's firing.
   */
  static final class MergeSessionsFn<K, InputT, AccumT, OutputT, V, A>
      extends CombineStepFn<
          K,
          InputT,
          AccumT,
          OutputT,
          V,
          A,
          KV<Integer, Iterable<byte[]>>,
          KV<K, OutputT>,
          ExternalSorter> {
    private static final long serialVersionUID = 1L;

    /** Partial accumulators merged in one call to the CombineFn. */
    private static final int MERGE_BATCH = 64;

    MergeSessionsFn(
        CombineFn<InputT, AccumT, OutputT> fn,
        Accumulation<InputT, AccumT, ?, ?> accumulation,
        Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder,
        Windowing windowing,
        SpillOptions options) {
      super(fn, accumulation, keyCoder, accumulatorCoder, windowing, options);
    }

    @Override
    ExternalSorter newEngine() {
      return new ExternalSorter(mergeStepConfig());
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<KV<K, OutputT>> receiver) {
      merge(shard, pane, receiver);
    }

    @Override
    void merge(
        KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<KV<K, OutputT>> receiver) {
      mergeShard(
          shard.getValue(),
          pane,
          sorter -> {
            forEachRecord(shard.getValue(), sorter::add);
            try (RecordCursor sorted = sorter.finish()) {
              SessionMerge.walk(
                  sorted,
                  new SessionMerge.Sessions() {
                    private final List<A> pending = new ArrayList<>();
                    private K key;

                    @Override
                    public void begin(byte[] bytes, int offset, int length, long start) {
                      key = keys().decodeKeyPart(bytes, offset, length);
                      pending.clear();
                    }

                    @Override
                    public void value(byte[] bytes, int offset, int length) {
                      pending.add(codec.decode(bytes, offset, length));
                      if (pending.size() == MERGE_BATCH) {
                        A merged = accumulation.mergeAll(pending);
                        pending.clear();
                        pending.add(merged);
                      }
                    }

                    @Override
                    public void end(long start, long end) {
                      A held = accumulation.mergeAll(pending);
                      pending.clear();
                      IntervalWindow window =
                          new IntervalWindow(new Instant(start), new Instant(end));
                      output(
                          receiver,
                          KV.of(key, fn.extractOutput(accumulation.accumulator(held))),
                          new Instant(time.of(window, accumulation.millis(held))),
                          window,
                          pane);
                    }
                  });
            }
          });
    }
  }
}
