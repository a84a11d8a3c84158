package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.CombineCursor;
import dev.spillway.spill.ExternalMerger;
import java.util.Objects;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.WindowingStrategy;

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
 * <p>The shape of PySpark's {@code combineByKey}: each bundle combines its values by (window,
 * key) in an {@code ExternalMerger} and, when it finishes, packs the partial accumulators into
 * blocks of hash shards; the runner's {@code GroupByKey} moves the blocks; a second merger per
 * bundle merges the accumulators of its shards, under the same budget, and emits each key's
 * output in its window at the window's end, as {@code Combine.perKey} does by default.
 *
 * <p>Requires a {@link KvCoder} with a deterministic key coder, bounded input, non-merging windows,
 * the default trigger and the END_OF_WINDOW timestamp combiner; {@code expand()} names what is
 * not met. Publishes Beam counters {@code spillway/spillCount}, {@code memoryBytesSpilled} and
 * {@code diskBytesSpilled}.
 */
public final class SpillingCombine {
  private SpillingCombine() {}

  /** Combines the values of each key with {@code fn}, as {@code Combine.perKey(fn)}. */
  public static <K, InputT, OutputT> PerKey<K, InputT, OutputT> perKey(
      CombineFn<InputT, ?, OutputT> fn) {
    return new PerKey<>(Objects.requireNonNull(fn, "fn"), SpillOptions.create());
  }

  /** The transform of {@link #perKey}. */
  public static final class PerKey<K, InputT, OutputT>
      extends PTransform<PCollection<KV<K, InputT>>, PCollection<KV<K, OutputT>>> {
    private static final long serialVersionUID = 1L;

    private final CombineFn<InputT, ?, OutputT> fn;
    private final SpillOptions options;

    private PerKey(CombineFn<InputT, ?, OutputT> fn, SpillOptions options) {
      this.fn = fn;
      this.options = options;
    }

    /** The memory budget, spill directories and codec to use. */
    public PerKey<K, InputT, OutputT> withOptions(SpillOptions options) {
      return new PerKey<>(fn, Objects.requireNonNull(options, "options"));
    }

    @Override
    public PCollection<KV<K, OutputT>> expand(PCollection<KV<K, InputT>> input) {
      return expandWith(fn, input);
    }

    private <AccumT> PCollection<KV<K, OutputT>> expandWith(
        CombineFn<InputT, AccumT, OutputT> combineFn, PCollection<KV<K, InputT>> input) {
      String name = "SpillingCombine.perKey(" + combineFn.getClass().getSimpleName() + ")";
      KvCoder<K, InputT> kv = InputChecks.keyedInput(name, input);
      InputChecks.supportedWindowing(name, input);
      Coder<AccumT> accumulatorCoder;
      Coder<OutputT> outputCoder;
      try {
        accumulatorCoder = combineFn.getAccumulatorCoder(
            input.getPipeline().getCoderRegistry(), kv.getValueCoder());
        outputCoder = combineFn.getDefaultOutputCoder(
            input.getPipeline().getCoderRegistry(), kv.getValueCoder());
      } catch (CannotProvideCoderException e) {
        throw new IllegalStateException(name + " needs coders for the accumulators and outputs of "
            + combineFn + ": " + e.getMessage(), e);
      }
      @SuppressWarnings("unchecked")
      Coder<BoundedWindow> windowCoder =
          (Coder<BoundedWindow>) input.getWindowingStrategy().getWindowFn().windowCoder();

      PCollection<KV<Integer, byte[]>> partial = input
          .apply("CombineInBundles", ParDo.of(new PartialCombineFn<>(combineFn,
              kv.getKeyCoder(), accumulatorCoder, windowCoder, options)))
          .setCoder(KvCoder.of(VarIntCoder.of(), ByteArrayCoder.of()))
          .setWindowingStrategyInternal(WindowingStrategy.globalDefault());
      PCollection<KV<K, OutputT>> output = partial
          .apply("ShuffleShards", GroupByKey.create())
          .apply("MergeShards", ParDo.of(new FinalCombineFn<>(combineFn, kv.getKeyCoder(),
              accumulatorCoder, windowCoder, options)));
      output.setCoder(KvCoder.of(kv.getKeyCoder(), outputCoder));
      output.setWindowingStrategyInternal(input.getWindowingStrategy());
      return output;
    }

    @Override
    public void populateDisplayData(DisplayData.Builder builder) {
      super.populateDisplayData(builder);
      builder.add(DisplayData.item("combineFn", fn.getClass()).withLabel("Combine function"));
      options.populateDisplayData(builder);
    }
  }

  /**
   * What both steps share: the CombineFn, an {@link ExternalMerger} per bundle built on it, and
   * the accumulator coder as the engine's codec.
   */
  abstract static class MergerFn<K, InputT, AccumT, OutputT, DoFnInputT, DoFnOutputT>
      extends EngineFn<K, DoFnInputT, DoFnOutputT, ExternalMerger<InputT, AccumT>> {
    private static final long serialVersionUID = 1L;

    final CombineFn<InputT, AccumT, OutputT> fn;
    private final Coder<AccumT> accumulatorCoder;
    transient CoderCodec<AccumT> codec;

    MergerFn(CombineFn<InputT, AccumT, OutputT> fn, Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder, Coder<BoundedWindow> windowCoder, SpillOptions options) {
      super(keyCoder, windowCoder, options);
      this.fn = fn;
      this.accumulatorCoder = accumulatorCoder;
    }

    @Override
    void setUpCodecs() {
      codec = new CoderCodec<>(accumulatorCoder);
    }

    @Override
    ExternalMerger<InputT, AccumT> newEngine() {
      return new ExternalMerger<>(new CombineFnAggregator<>(fn), codec, options.toConfig());
    }
  }

  /** Combines a bundle's values by (window, key) and emits packed partial accumulators. */
  static final class PartialCombineFn<K, InputT, AccumT, OutputT>
      extends MergerFn<K, InputT, AccumT, OutputT, KV<K, InputT>, KV<Integer, byte[]>> {
    private static final long serialVersionUID = 1L;

    PartialCombineFn(CombineFn<InputT, AccumT, OutputT> fn, Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder, Coder<BoundedWindow> windowCoder, SpillOptions options) {
      super(fn, keyCoder, accumulatorCoder, windowCoder, options);
    }

    @ProcessElement
    public void processElement(@Element KV<K, InputT> element, BoundedWindow window) {
      ByteSink key = keys().encode(window, element.getKey());
      engine().add(key.array(), 0, key.length(), element.getValue());
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      emit(() -> {
        ShardPacker packer = new ShardPacker(options.shards(), (shard, block) -> context.output(
            KV.of(shard, block), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
        ByteSink encoded = new ByteSink();
        try (CombineCursor<AccumT> out = engine().finish()) {
          while (out.next()) {
            encoded.clear();
            codec.encode(out.accumulator(), encoded);
            packer.add(out.keyArray(), out.keyOffset(), out.keyLength(),
                encoded.array(), 0, encoded.length());
          }
        }
        packer.flush();
      });
    }
  }

  /** Merges the partial accumulators of a bundle's shards and emits each key's output. */
  static final class FinalCombineFn<K, InputT, AccumT, OutputT> extends
      MergerFn<K, InputT, AccumT, OutputT, KV<Integer, Iterable<byte[]>>, KV<K, OutputT>> {
    private static final long serialVersionUID = 1L;

    FinalCombineFn(CombineFn<InputT, AccumT, OutputT> fn, Coder<K> keyCoder,
        Coder<AccumT> accumulatorCoder, Coder<BoundedWindow> windowCoder, SpillOptions options) {
      super(fn, keyCoder, accumulatorCoder, windowCoder, options);
    }

    @ProcessElement
    public void processElement(@Element KV<Integer, Iterable<byte[]>> shard) {
      ExternalMerger<InputT, AccumT> merger = engine();
      for (byte[] block : shard.getValue()) {
        ShardPacker.forEachRecord(block, (b, kOff, kLen, vOff, vLen) ->
            merger.addAccumulator(b, kOff, kLen, codec.decode(b, vOff, vLen)));
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      emit(() -> {
        try (CombineCursor<AccumT> out = engine().finish()) {
          while (out.next()) {
            WindowedKey.Decoded<K, BoundedWindow> k =
                keys().decode(out.keyArray(), out.keyOffset(), out.keyLength());
            context.output(KV.of(k.key(), fn.extractOutput(out.accumulator())),
                k.window().maxTimestamp(), k.window());
          }
        }
      });
    }
  }
}
