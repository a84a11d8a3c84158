package dev.spillway.bench;

import dev.spillway.spill.CombineCursor;
import dev.spillway.spill.ExternalMerger;
import dev.spillway.spill.SpillConfig;
import dev.spillway.transforms.CoderCodec;
import dev.spillway.transforms.CombineFnAggregator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.Top;

/**
 * A combine whose accumulators grow with their values, far larger on the heap than encoded: every
 * value of a key as a list, or Beam's {@code Top.largestFn(200)}. Random longs (seed 1) over a key
 * space, under a budget; prints the time, the spills and the peak live heap:
 *
 * <pre>
 * java -Xmx400m -cp benchmarks/target/spillway-benchmarks.jar dev.spillway.bench.GrowingAccumulators \
 *     list|top BUDGET_MIB RECORDS KEYS
 * </pre>
 */
public final class GrowingAccumulators {
  private GrowingAccumulators() {}

  /** Every value of a key, boxed, in a list; output: how many. */
  static final class ToList extends CombineFn<Long, List<Long>, Long> {
    @Override
    public List<Long> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<Long> addInput(List<Long> list, Long value) {
      list.add(value);
      return list;
    }

    @Override
    public List<Long> mergeAccumulators(Iterable<List<Long>> lists) {
      List<Long> merged = new ArrayList<>();
      for (List<Long> list : lists) {
        merged.addAll(list);
      }
      return merged;
    }

    @Override
    public Long extractOutput(List<Long> list) {
      return (long) list.size();
    }
  }

  public static void main(String[] args) throws CannotProvideCoderException {
    String kind = args[0];
    long budget = Long.parseLong(args[1]) << 20;
    long records = Long.parseLong(args[2]);
    int keys = Integer.parseInt(args[3]);
    if (kind.equals("list")) {
      run(new ToList(), ListCoder.of(VarLongCoder.of()), budget, records, keys);
    } else {
      CombineFn<Long, ?, ?> top = Top.<Long>largestFn(200);
      run(top, budget, records, keys);
    }
  }

  private static <A> void run(CombineFn<Long, A, ?> fn, long budget, long records, int keys)
      throws CannotProvideCoderException {
    run(
        fn,
        fn.getAccumulatorCoder(CoderRegistry.createDefault(), VarLongCoder.of()),
        budget,
        records,
        keys);
  }

  private static <A> void run(
      CombineFn<Long, A, ?> fn, Coder<A> coder, long budget, long records, int keys) {
    long start = System.nanoTime();
    long outputs = 0;
    try (HeapWatch heap = new HeapWatch();
        ExternalMerger<Long, A> merger =
            new ExternalMerger<>(
                new CombineFnAggregator<>(fn),
                new CoderCodec<>(coder),
                SpillConfig.withBudget(budget))) {
      SplittableRandom random = new SplittableRandom(1);
      byte[] key = new byte[4];
      for (long i = 0; i < records; i++) {
        int k = random.nextInt(keys);
        key[0] = (byte) (k >>> 24);
        key[1] = (byte) (k >>> 16);
        key[2] = (byte) (k >>> 8);
        key[3] = (byte) k;
        merger.add(key, (long) random.nextInt(1 << 30));
      }
      try (CombineCursor<A> cursor = merger.finish()) {
        while (cursor.next()) {
          fn.extractOutput(cursor.accumulator());
          outputs++;
        }
      }
      System.out.printf(
          "%d keys out in %.1f s, %d spills, peak live heap %d MiB%n",
          outputs,
          (System.nanoTime() - start) / 1e9,
          merger.stats().spillCount(),
          heap.peakLiveBytes() >> 20);
    }
  }
}
