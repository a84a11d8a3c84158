package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.ExternalGroupBy;
import dev.spillway.spill.GroupCursor;
import dev.spillway.spill.ValueCursor;
import java.util.Objects;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
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
 * {@code GroupByKey} whose per-key state lives in spillway's spilling engine.
 *
 * <pre>{@code
 * PCollection<KV<String, Iterable<Long>>> byUser = events.apply(
 *     SpillingGroupByKey.<String, Long>create()
 *         .withOptions(SpillOptions.create().withMemoryBudgetBytes(256L << 20)));
 * }</pre>
 *
 * <p>The shape of PySpark's {@code groupByKey}: each bundle collects its values by (window, key)
 * in an {@code ExternalGroupBy}, then packs them into blocks of hash shards; the runner's {@code
 * GroupByKey} moves the blocks; a second group-by per bundle brings each key's values together,
 * under the same budget (a key with more values than the budget spills them), and emits each key
 * once per window, at the window's end, with its values in a re-iterable collection.
 *
 * <p>The emitted values stay encoded on the heap (a few bytes a value) and are decoded on each
 * iteration: the budget bounds the grouping; the element handed downstream is the key's encoded
 * values. Requirements and metrics as {@link SpillingCombine}.
 */
public final class SpillingGroupByKey<K, V>
    extends PTransform<PCollection<KV<K, V>>, PCollection<KV<K, Iterable<V>>>> {
  private static final long serialVersionUID = 1L;

  private final SpillOptions options;

  private SpillingGroupByKey(SpillOptions options) {
    this.options = options;
  }

  /** Groups the values of each key, as {@code GroupByKey.create()}. */
  public static <K, V> SpillingGroupByKey<K, V> create() {
    return new SpillingGroupByKey<>(SpillOptions.create());
  }

  /** The memory budget, spill directories and codec to use. */
  public SpillingGroupByKey<K, V> withOptions(SpillOptions options) {
    return new SpillingGroupByKey<>(Objects.requireNonNull(options, "options"));
  }

  @Override
  public PCollection<KV<K, Iterable<V>>> expand(PCollection<KV<K, V>> input) {
    String name = "SpillingGroupByKey";
    KvCoder<K, V> kv = InputChecks.keyedInput(name, input);
    InputChecks.supportedWindowing(name, input);
    @SuppressWarnings("unchecked")
    Coder<BoundedWindow> windowCoder =
        (Coder<BoundedWindow>) input.getWindowingStrategy().getWindowFn().windowCoder();

    PCollection<KV<K, Iterable<V>>> output = input
        .apply("GroupInBundles", ParDo.of(new PartialGroupFn<>(kv, windowCoder, options)))
        .setCoder(KvCoder.of(VarIntCoder.of(), ByteArrayCoder.of()))
        .setWindowingStrategyInternal(WindowingStrategy.globalDefault())
        .apply("ShuffleShards", GroupByKey.create())
        .apply("GroupShards", ParDo.of(new FinalGroupFn<>(kv, windowCoder, options)));
    output.setCoder(KvCoder.of(kv.getKeyCoder(), IterableCoder.of(kv.getValueCoder())));
    output.setWindowingStrategyInternal(input.getWindowingStrategy());
    return output;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    options.populateDisplayData(builder);
  }

  /** What both steps share: an {@link ExternalGroupBy} per bundle and the value coder. */
  abstract static class GroupFn<K, V, DoFnInputT, DoFnOutputT>
      extends EngineFn<K, DoFnInputT, DoFnOutputT, ExternalGroupBy> {
    private static final long serialVersionUID = 1L;

    private final Coder<V> valueCoder;
    transient CoderCodec<V> values;

    GroupFn(KvCoder<K, V> coder, Coder<BoundedWindow> windowCoder, SpillOptions options) {
      super(coder.getKeyCoder(), windowCoder, options);
      this.valueCoder = coder.getValueCoder();
    }

    @Override
    void setUpCodecs() {
      values = new CoderCodec<>(valueCoder);
    }

    @Override
    ExternalGroupBy newEngine() {
      return new ExternalGroupBy(options.toConfig());
    }
  }

  /** Groups a bundle's values by (window, key) and emits them packed in shard blocks. */
  static final class PartialGroupFn<K, V>
      extends GroupFn<K, V, KV<K, V>, KV<Integer, byte[]>> {
    private static final long serialVersionUID = 1L;

    private transient ByteSink value;

    PartialGroupFn(KvCoder<K, V> coder, Coder<BoundedWindow> windowCoder, SpillOptions options) {
      super(coder, windowCoder, options);
    }

    @Override
    void setUpCodecs() {
      super.setUpCodecs();
      value = new ByteSink();
    }

    @ProcessElement
    public void processElement(@Element KV<K, V> element, BoundedWindow window) {
      ByteSink key = keys().encode(window, element.getKey());
      value.clear();
      values.encode(element.getValue(), value);
      engine().add(key.array(), 0, key.length(), value.array(), 0, value.length());
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      emit(() -> {
        ShardPacker packer = new ShardPacker(options.shards(), (shard, block) -> context.output(
            KV.of(shard, block), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
        try (GroupCursor out = engine().finish()) {
          while (out.next()) {
            ValueCursor values = out.values().cursor();
            while (values.next()) {
              packer.add(out.keyArray(), out.keyOffset(), out.keyLength(),
                  values.array(), values.offset(), values.length());
            }
          }
        }
        packer.flush();
      });
    }
  }

  /** Brings each key's values of a bundle's shards together and emits them. */
  static final class FinalGroupFn<K, V>
      extends GroupFn<K, V, KV<Integer, Iterable<byte[]>>, KV<K, Iterable<V>>> {
    private static final long serialVersionUID = 1L;

    FinalGroupFn(KvCoder<K, V> coder, Coder<BoundedWindow> windowCoder, SpillOptions options) {
      super(coder, windowCoder, options);
    }

    @ProcessElement
    public void processElement(@Element KV<Integer, Iterable<byte[]>> shard) {
      ExternalGroupBy groups = engine();
      for (byte[] block : shard.getValue()) {
        ShardPacker.forEachRecord(block, (b, kOff, kLen, vOff, vLen) ->
            groups.add(b, kOff, kLen, b, vOff, vLen));
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      emit(() -> {
        try (GroupCursor out = engine().finish()) {
          while (out.next()) {
            WindowedKey.Decoded<K, BoundedWindow> k =
                keys().decode(out.keyArray(), out.keyOffset(), out.keyLength());
            EncodedValues.Builder list = new EncodedValues.Builder();
          ValueCursor cursor = out.values().cursor();
          while (cursor.next()) {
            list.add(cursor.array(), cursor.offset(), cursor.length());
          }
          context.output(KV.of(k.key(), list.build(values)), k.window().maxTimestamp(),
              k.window());
          }
        }
      });
    }
  }
}
