package dev.spillway.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import dev.spillway.spill.CombineCursor;
import dev.spillway.spill.ExternalMerger;
import dev.spillway.spill.MemoryPool;
import dev.spillway.spill.SpillConfig;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongFunction;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Max;
import org.apache.beam.sdk.transforms.Min;
import org.apache.beam.sdk.transforms.Sum;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Beam's sums, minima, maxima and counts, held by the engine as longs ({@link CombineFnLayouts}),
 * give per key what the CombineFn itself gives on the same values, through spills, the append
 * buffer and the merge of spilled partitions; a subclass that overrides an accumulator method is
 * run through its own methods.
 */
public class CombineFnLayoutsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void beamsOwnFnsGiveWhatTheFnGivesThroughSpills() throws Exception {
    check(Sum.ofLongs(), VarLongCoder.of(), v -> v - 500_000, true);
    check(Max.ofLongs(), VarLongCoder.of(), v -> v - 500_000, true);
    check(Min.ofLongs(), VarLongCoder.of(), v -> v - 500_000, true);
    check(Sum.ofIntegers(), VarIntCoder.of(), v -> (int) v - 500_000, true);
    check(Max.ofIntegers(), VarIntCoder.of(), v -> (int) v - 500_000, true);
    // Whole numbers, so that a sum in any order is exact.
    check(Sum.ofDoubles(), DoubleCoder.of(), v -> (double) (v - 500_000), true);
    check(Min.ofDoubles(), DoubleCoder.of(), v -> (v - 500_000) / 7.0, true);
    check(Count.<Long>combineFn(), VarLongCoder.of(), v -> v, true);
    check(new WindowedScenarios.SumOfSquares(), VarLongCoder.of(), v -> v, false);
  }

  private <InputT, AccumT, OutputT> void check(
      CombineFn<InputT, AccumT, OutputT> fn,
      Coder<InputT> inputCoder,
      LongFunction<InputT> value,
      boolean laidOut)
      throws Exception {
    CombineFnAggregator<InputT, AccumT> aggregator = new CombineFnAggregator<>(fn);
    if (laidOut) {
      assertNotNull(fn + " has a layout", aggregator.longLayout());
    } else {
      assertNull(fn + " overrides addInput: no layout", aggregator.longLayout());
    }
    Coder<AccumT> accumulatorCoder =
        fn.getAccumulatorCoder(CoderRegistry.createDefault(), inputCoder);
    SpillConfig config =
        SpillConfig.withPool(MemoryPool.ofBytes(256 << 10))
            .withSpillDirectories(List.of(tmp.newFolder().toPath()));
    Random random = new Random(fn.getClass().getName().hashCode());
    Map<ByteBuffer, AccumT> model = new HashMap<>();
    Map<ByteBuffer, OutputT> out = new HashMap<>();
    try (ExternalMerger<InputT, AccumT> merger =
        new ExternalMerger<>(aggregator, new CoderCodec<>(accumulatorCoder), config)) {
      for (int i = 0; i < 60_000; i++) {
        // The first half combines well; the second, nearly all new keys, goes to the append buffer.
        int keys = i < 30_000 ? 3_000 : 1_000_000;
        byte[] key =
            ByteBuffer.allocate(4).putInt(random.nextInt(keys) + (i < 30_000 ? 0 : keys)).array();
        InputT v = value.apply(random.nextInt(1_000_000));
        merger.add(key, v);
        model.compute(
            ByteBuffer.wrap(key),
            (k, acc) -> fn.addInput(acc == null ? fn.createAccumulator() : acc, v));
      }
      try (CombineCursor<AccumT> c = merger.finish()) {
        while (c.next()) {
          byte[] key = new byte[c.keyLength()];
          System.arraycopy(c.keyArray(), c.keyOffset(), key, 0, key.length);
          assertNull("key twice", out.put(ByteBuffer.wrap(key), fn.extractOutput(c.accumulator())));
        }
      }
      assertThat(fn + " spills", merger.stats().spillCount(), greaterThan(2L));
    }
    Map<ByteBuffer, OutputT> expected = new HashMap<>();
    model.forEach((k, acc) -> expected.put(k, fn.extractOutput(acc)));
    assertEquals(fn.toString(), expected, out);
  }
}
