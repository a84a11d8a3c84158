package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.ExternalSorter;
import dev.spillway.spill.MemoryLease;
import dev.spillway.spill.RecordCursor;
import dev.spillway.spill.SpillConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Sorts the values of each grouped element by their encoded secondary key, as the Beam sorter
 * extension's {@code SortValues}, with no 2 GB cap: a group larger than the budget is sorted by
 * spillway's external sort, spilling sorted runs and merging them.
 *
 * <pre>{@code
 * PCollection<KV<String, Iterable<KV<Long, String>>>> grouped = ...; // after a GroupByKey
 * PCollection<KV<String, Iterable<KV<Long, String>>>> sorted =
 *     grouped.apply(
 *         SortValues.<String, Long, String>create()
 *             .withOptions(SpillOptions.create().withMemoryBudgetBytes(256L << 20)));
 * }</pre>
 *
 * <p>Secondary keys are ordered by their encoded bytes, compared as unsigned, shorter first on a
 * common prefix; for signed numbers encode them order-preservingly (for example with a coder built
 * on {@link dev.spillway.spill.OrderedBytes}): Beam's {@code VarLongCoder} does not sort negative
 * numbers before positive ones, here or in Beam's sorter. Equal secondary keys keep the order in
 * which the group gives them (both sorts are stable). The sorted pairs are handed on still encoded
 * (a few bytes a pair on the heap) and decoded on each iteration; a group whose pairs come to more
 * than {@link SpillOptions#withMaxGroupBytes} (a quarter of the heap by default) fails the bundle
 * by name instead of the heap: sort and process such a group inside the engine with {@link
 * SpillingGroupByKey#thenProcessSorted}.
 *
 * @param <K> the primary key
 * @param <K2> the secondary key, by whose encoding values are sorted
 * @param <V> the value
 */
public final class SortValues<K, K2, V>
    extends PTransform<
        PCollection<KV<K, Iterable<KV<K2, V>>>>, PCollection<KV<K, Iterable<KV<K2, V>>>>> {
  private static final long serialVersionUID = 1L;

  private final SpillOptions options;

  /** What the last expansion resolved the options to, for display data. */
  private transient SpillOptions expandedWith;

  private SortValues(SpillOptions options) {
    this.options = options;
  }

  /** Sorts with the pipeline's {@link SpillwayPipelineOptions}. */
  public static <K, K2, V> SortValues<K, K2, V> create() {
    return new SortValues<>(null);
  }

  /**
   * The memory budget, spill directories and codec to use, in place of the pipeline's {@link
   * SpillwayPipelineOptions}.
   */
  public SortValues<K, K2, V> withOptions(SpillOptions options) {
    return new SortValues<>(Objects.requireNonNull(options, "options"));
  }

  @Override
  public PCollection<KV<K, Iterable<KV<K2, V>>>> expand(
      PCollection<KV<K, Iterable<KV<K2, V>>>> input) {
    KvCoder<K2, V> pairs = pairCoder(input.getCoder());
    expandedWith = SpillOptions.resolve(options, input.getPipeline().getOptions());
    return input
        .apply("SortEachGroup", ParDo.of(new SortFn<K, K2, V>(pairs, expandedWith)))
        .setCoder(input.getCoder());
  }

  @SuppressWarnings("unchecked")
  private static <K2, V> KvCoder<K2, V> pairCoder(Coder<?> coder) {
    if (coder instanceof KvCoder
        && ((KvCoder<?, ?>) coder).getValueCoder() instanceof IterableCoder
        && ((IterableCoder<?>) ((KvCoder<?, ?>) coder).getValueCoder()).getElemCoder()
            instanceof KvCoder) {
      return (KvCoder<K2, V>)
          ((IterableCoder<?>) ((KvCoder<?, ?>) coder).getValueCoder()).getElemCoder();
    }
    throw new IllegalStateException(
        "SortValues requires its input to use a"
            + " KvCoder<K, IterableCoder<KvCoder<K2, V>>>, but it uses "
            + coder);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    SpillOptions.populateDisplayData(expandedWith != null ? expandedWith : options, builder);
  }

  /** Sorts one group: in memory while it is small, else through an external sort. */
  static final class SortFn<K, K2, V>
      extends DoFn<KV<K, Iterable<KV<K2, V>>>, KV<K, Iterable<KV<K2, V>>>> {
    private static final long serialVersionUID = 1L;

    private final KvCoder<K2, V> pairCoder;
    private final SpillOptions options;
    private transient CoderCodec<K2> secondaryKeys;
    private transient CoderCodec<V> values;
    private transient PairCodec<K2, V> pairs;
    private transient SpillConfig config;
    private transient SpillMetrics metrics;

    SortFn(KvCoder<K2, V> pairCoder, SpillOptions options) {
      this.pairCoder = pairCoder;
      this.options = options;
    }

    @Setup
    public void setup() {
      secondaryKeys = new CoderCodec<>(pairCoder.getKeyCoder());
      values = new CoderCodec<>(pairCoder.getValueCoder());
      pairs = new PairCodec<>(secondaryKeys, values);
      config = options.toConfig();
      metrics = new SpillMetrics();
    }

    @ProcessElement
    public void processElement(
        @Element KV<K, Iterable<KV<K2, V>>> group, OutputReceiver<KV<K, Iterable<KV<K2, V>>>> out) {
      // The sort's memory goes back to the pool before the sorted group goes downstream, where
      // the runner may run the next steps, and their engines, on this thread.
      out.output(KV.of(group.getKey(), sort(group.getValue())));
    }

    private Iterable<KV<K2, V>> sort(Iterable<KV<K2, V>> group) {
      // Small groups (most) are sorted on the heap, in bytes leased from the budget's pool like
      // every engine's; past an eighth of the budget, or when the pool refuses, externally.
      long inMemoryLimit = options.memoryBudgetBytes() / 8;
      // The sorted group goes downstream as one element, held on the heap: fail by name before it
      // outgrows the heap, as SpillingGroupByKey does, and before the sort's work.
      GroupBytesLimit limit =
          new GroupBytesLimit(
              options.maxGroupBytes(),
              "SortValues: the pairs of one group",
              "pairs",
              "Sort and process such a group inside the engine, streamed from disk, with"
                  + " SpillingGroupByKey.create().thenProcessSorted(GroupProcessor).");
      List<byte[][]> buffered = new ArrayList<>();
      ExternalSorter sorter = null;
      ByteSink k = new ByteSink();
      ByteSink v = new ByteSink();
      try (MemoryLease lease = new MemoryLease(config.pool())) {
        for (KV<K2, V> pair : group) {
          k.clear();
          secondaryKeys.encode(pair.getKey(), k);
          v.clear();
          values.encode(pair.getValue(), v);
          limit.add(k.length() + v.length());
          if (sorter != null) {
            sorter.add(k.array(), 0, k.length(), v.array(), 0, v.length());
            continue;
          }
          // Two arrays (16-byte headers), the pair's array and its list slot.
          long bytes = k.length() + v.length() + 64;
          if (lease.used() + bytes <= inMemoryLimit && lease.tryReserve(bytes)) {
            buffered.add(new byte[][] {k.toByteArray(), v.toByteArray()});
            continue;
          }
          // The lease goes back before the sorter takes its floor: the engine whose output this
          // group is (fused on this thread) leaves room for two floors, not for a lease beside
          // them. For the moment of the copy, the buffered pairs (at most an eighth of the
          // budget) are on the heap uncounted.
          lease.releaseAll();
          sorter = new ExternalSorter(config);
          for (byte[][] r : buffered) {
            sorter.add(r[0], r[1]);
          }
          sorter.add(k.array(), 0, k.length(), v.array(), 0, v.length());
          buffered = null;
        }
        EncodedValues.Builder sorted = new EncodedValues.Builder();
        if (sorter == null) {
          buffered.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
          for (byte[][] r : buffered) {
            sorted.addPair(r[0], 0, r[0].length, r[1], 0, r[1].length);
          }
        } else {
          try (RecordCursor c = sorter.finish()) {
            while (c.next()) {
              sorted.addPair(
                  c.keyArray(),
                  c.keyOffset(),
                  c.keyLength(),
                  c.valueArray(),
                  c.valueOffset(),
                  c.valueLength());
            }
          }
          metrics.publish(sorter.stats());
        }
        return sorted.build(pairs);
      } finally {
        if (sorter != null) {
          sorter.close();
        }
      }
    }
  }
}
