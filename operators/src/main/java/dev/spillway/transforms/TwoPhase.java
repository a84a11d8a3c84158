package dev.spillway.transforms;

import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.WindowingStrategy;

/**
 * The shape both {@link SpillingCombine} and {@link SpillingGroupByKey} share, PySpark's two-phase
 * {@code combineByKey}: a partial step per bundle packs records into blocks of hash shards (a
 * combine's after combining them in an engine, a group-by's as they come); the runner's {@code
 * GroupByKey} moves the blocks, in the windowing {@link Windowing} chooses; a merge step per
 * shuffled element merges its shard's blocks in a second engine and outputs each key once per
 * window. With sessions, the merge step outputs each result into its merged window, with the pane
 * of the shuffle's firing (a window assignment after it would lose the pane on Beam's Spark
 * runner). On the DirectRunner the blocks cross the shuffle as files ({@link BlockTransport}). On
 * Flink's DataStream translation of batch, whose {@code GroupByKey} would hold a shard whole on the
 * heap, the blocks cross a keyed exchange one by one instead, and the merge step spools them to
 * disk until their window ends ({@link SpooledMergeFn}).
 */
final class TwoPhase {
  private TwoPhase() {}

  /**
   * Applies the two steps to {@code input}: {@code merge} is the merge step for the input's
   * windowing (one that merges sessions when {@link Windowing#sessions()}). The blocks cross the
   * shuffle as {@link BlockTransport} chooses for the partial step's options on the runner. The
   * output's coder is the caller's to set.
   */
  static <InputT, OutputT> PCollection<OutputT> expand(
      PCollection<InputT> input,
      Windowing windowing,
      ShuffleStepFn<?, InputT, KV<Integer, byte[]>> partial,
      ShuffleStepFn<?, KV<Integer, Iterable<byte[]>>, OutputT> merge) {
    BlockTransport transport =
        BlockTransport.of(partial.options, input.getPipeline().getOptions().getRunner());
    partial.shuffleThrough(transport);
    PCollection<KV<Integer, byte[]>> blocks;
    if (windowing.lateSessionsProbeGapMillis() > 0) {
      PCollectionTuple partials =
          input.apply(
              "PartialInBundles",
              ParDo.of(partial)
                  .withOutputTags(
                      ShuffleStepFn.BLOCKS, TupleTagList.of(ShuffleStepFn.LATE_PROBES)));
      LateSessionsCheck.check(partials.get(ShuffleStepFn.LATE_PROBES), windowing.transform());
      blocks = partials.get(ShuffleStepFn.BLOCKS);
    } else {
      blocks = input.apply("PartialInBundles", ParDo.of(partial));
    }
    blocks.setCoder(KvCoder.of(VarIntCoder.of(), ByteArrayCoder.of()));
    if (windowing.shuffledInOneInterval()) {
      blocks =
          blocks
              .setWindowingStrategyInternal(WindowingStrategy.globalDefault())
              .apply("IntoOneInterval", Window.into(new OneInterval()));
    }
    blocks.setWindowingStrategyInternal(windowing.shuffle());
    // With sessions, the merge step outputs each result into its merged window itself.
    String mergeName = windowing.sessions() ? "MergeShardsAndSessions" : "MergeShards";
    PCollection<OutputT> output;
    if (windowing.spoolsShards()) {
      output = blocks.apply(mergeName, ParDo.of(new SpooledMergeFn<>(merge, partial.options)));
    } else {
      merge.shuffleThrough(transport);
      output = blocks.apply("ShuffleShards", GroupByKey.create()).apply(mergeName, ParDo.of(merge));
    }
    output.setWindowingStrategyInternal(windowing.output());
    return output;
  }
}
