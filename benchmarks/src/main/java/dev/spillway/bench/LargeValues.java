package dev.spillway.bench;

import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingGroupByKey;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * One value larger than the memory budget among 100,000 small ones (5,000 keys, 16-byte values),
 * grouped on the DirectRunner by {@link SpillingGroupByKey} or Beam's {@code GroupByKey}, then
 * summed by length downstream: which heaps each runs in.
 *
 * <pre>
 * java -Xmx320m -cp benchmarks/target/spillway-benchmarks.jar dev.spillway.bench.LargeValues \
 *     VALUE_MIB BUDGET_MIB [builtin]
 * </pre>
 *
 * Prints the total of the group sizes (the same for both: 100,000 × 16 bytes plus the value) and
 * exits 0, or fails as the pipeline fails. A run of the built-in that runs out of heap can hang
 * (the DirectRunner's worker dies and the pipeline waits): run it under {@code timeout}.
 */
public final class LargeValues {
  private LargeValues() {}

  /** The input: key i % 5000 with 16 bytes; once, key 7 with the large value. */
  static final class Make extends DoFn<Long, KV<Integer, byte[]>> {
    private final int valueMiB;

    Make(int valueMiB) {
      this.valueMiB = valueMiB;
    }

    @ProcessElement
    public void process(@Element Long i, OutputReceiver<KV<Integer, byte[]>> out) {
      if (i == 50_000L) {
        out.output(KV.of(7, new byte[valueMiB << 20]));
      }
      out.output(KV.of((int) (i % 5_000), new byte[16]));
    }
  }

  static final class GroupBytes extends DoFn<KV<Integer, Iterable<byte[]>>, Long> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<byte[]>> group, OutputReceiver<Long> out) {
      long bytes = 0;
      for (byte[] v : group.getValue()) {
        bytes += v.length;
      }
      out.output(bytes);
    }
  }

  static final class Print extends DoFn<Long, Void> {
    @ProcessElement
    public void process(@Element Long total) {
      System.out.println("total bytes " + total);
    }
  }

  public static void main(String[] args) {
    int valueMiB = Integer.parseInt(args[0]);
    long budget = Long.parseLong(args[1]) << 20;
    boolean builtIn = args.length > 2 && args[2].equals("builtin");
    Pipeline p =
        Pipeline.create(
            PipelineOptionsFactory.fromArgs(
                    "--runner=DirectRunner",
                    "--enforceImmutability=false",
                    "--enforceEncodability=false")
                .create());
    PCollection<KV<Integer, byte[]>> in =
        p.apply(GenerateSequence.from(0).to(100_000))
            .apply(ParDo.of(new Make(valueMiB)))
            .setCoder(KvCoder.of(VarIntCoder.of(), ByteArrayCoder.of()));
    PCollection<KV<Integer, Iterable<byte[]>>> groups =
        builtIn
            ? in.apply(GroupByKey.create())
            : in.apply(
                SpillingGroupByKey.<Integer, byte[]>create()
                    .withOptions(SpillOptions.create().withMemoryBudgetBytes(budget)));
    groups
        .apply(ParDo.of(new GroupBytes()))
        .apply(Sum.longsGlobally())
        .apply(ParDo.of(new Print()));
    PipelineResult.State state = p.run().waitUntilFinish();
    System.exit(state == PipelineResult.State.DONE ? 0 : 1);
  }
}
