package dev.spillway.spark;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import java.util.List;
import org.apache.beam.runners.spark.SparkPipelineOptions;
import org.apache.beam.runners.spark.SparkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * spillway against Beam's built-ins on the Spark runner ({@code local[2]}), side by side in one
 * JVM: a sum per key and a group per key of {@code spark.records} records over a tenth as many
 * keys, each checked by an order-free checksum against the model; prints the times for
 * BENCHMARKS.md. Not part of CI: {@code mvn -pl spark-tests test -Dtest=SparkThroughputTest
 * -Dspark.records=4000000}.
 */
public class SparkThroughputTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static long keyOf(long i, long keys) {
    return Math.floorMod(i * 0x9E3779B97F4A7C15L, keys);
  }

  static final class Records extends DoFn<Long, KV<Long, Long>> {
    private final long keys;

    Records(long keys) {
      this.keys = keys;
    }

    @ProcessElement
    public void process(@Element Long i, OutputReceiver<KV<Long, Long>> out) {
      out.output(KV.of(keyOf(i, keys), i & 1023));
    }
  }

  /** The checksum of one key's sum; the pipeline adds them up. */
  static final class SumChecksum extends DoFn<KV<Long, Long>, Long> {
    @ProcessElement
    public void process(@Element KV<Long, Long> kv, OutputReceiver<Long> out) {
      out.output(kv.getKey() * 31 + kv.getValue());
    }
  }

  static final class GroupChecksum extends DoFn<KV<Long, Iterable<Long>>, Long> {
    @ProcessElement
    public void process(@Element KV<Long, Iterable<Long>> kv, OutputReceiver<Long> out) {
      long sum = 0;
      for (long v : kv.getValue()) {
        sum += v;
      }
      out.output(kv.getKey() * 31 + sum);
    }
  }

  private static long run(
      long records,
      long keys,
      PTransform<PCollection<KV<Long, Long>>, PCollection<Long>> work,
      long expected) {
    SparkPipelineOptions options = PipelineOptionsFactory.as(SparkPipelineOptions.class);
    options.setRunner(SparkRunner.class);
    options.setSparkMaster("local[2]");
    options.setEnableSparkMetricSinks(false);
    Pipeline p = Pipeline.create(options);
    PCollection<Long> checksum =
        p.apply(GenerateSequence.from(0).to(records))
            .apply(ParDo.of(new Records(keys)))
            .setCoder(KvCoder.of(VarLongCoder.of(), VarLongCoder.of()))
            .apply(work)
            .apply(Sum.longsGlobally());
    org.apache.beam.sdk.testing.PAssert.thatSingleton(checksum).isEqualTo(expected);
    long start = System.nanoTime();
    p.run().waitUntilFinish();
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  public void spillwayAndTheBuiltInsSideBySide() throws Exception {
    String size = System.getProperty("spark.records");
    assumeTrue("set -Dspark.records=N to run", size != null);
    long records = Long.parseLong(size);
    long keys = records / 10;
    long[] sums = new long[(int) keys];
    for (long i = 0; i < records; i++) {
      sums[(int) keyOf(i, keys)] += i & 1023;
    }
    long expected = 0;
    for (int k = 0; k < keys; k++) {
      expected += k * 31L + sums[k];
    }
    java.io.File spill = tmp.newFolder();
    SpillOptions options =
        SpillOptions.create()
            .withMemoryBudgetBytes(64L << 20)
            .withSpillDirectories(List.of(spill.toString()));
    for (int round = 0; round < 2; round++) {
      long ourSum =
          run(
              records,
              keys,
              summed(SpillingCombine.<Long, Long, Long>perKey(Sum.ofLongs()).withOptions(options)),
              expected);
      long beamSum = run(records, keys, summed(Combine.perKey(Sum.ofLongs())), expected);
      long ourGroup =
          run(
              records,
              keys,
              grouped(SpillingGroupByKey.<Long, Long>create().withOptions(options)),
              expected);
      long beamGroup = run(records, keys, grouped(GroupByKey.create()), expected);
      System.out.printf(
          "SPARK round %d, %d records, %d keys: combine spillway %d ms, built-in %d"
              + " ms; group spillway %d ms, built-in %d ms%n",
          round, records, keys, ourSum, beamSum, ourGroup, beamGroup);
    }
    assertEquals("spill files left", 0, spill.list().length);
  }

  /** {@code sum} per key, then each key's checksum. */
  private static PTransform<PCollection<KV<Long, Long>>, PCollection<Long>> summed(
      PTransform<PCollection<KV<Long, Long>>, PCollection<KV<Long, Long>>> sum) {
    return PTransform.compose(in -> in.apply(sum).apply(ParDo.of(new SumChecksum())));
  }

  /** {@code group} per key, then each key's checksum. */
  private static PTransform<PCollection<KV<Long, Long>>, PCollection<Long>> grouped(
      PTransform<PCollection<KV<Long, Long>>, PCollection<KV<Long, Iterable<Long>>>> group) {
    return PTransform.compose(in -> in.apply(group).apply(ParDo.of(new GroupChecksum())));
  }
}
