package dev.spillway.bench;

import dev.spillway.templates.workload.Checksum;
import dev.spillway.templates.workload.Generator;
import dev.spillway.templates.workload.Workload;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * A workload as a Beam pipeline: {@code spillway-direct} (spillway's transforms on the
 * DirectRunner), {@code beam-direct} (Beam's built-in transforms on the DirectRunner) and {@code
 * spillway-flink} (spillway's transforms on Beam's Flink runner, embedded local mode). The
 * checksum is summed in Beam counters (longs wrap, as the checksum's arithmetic does), so it
 * comes back through the PipelineResult. The {@code sort} workload is not run as a pipeline yet.
 */
final class PipelineSystem implements WorkloadSystem {
  private final String name;
  private final boolean spillway;
  private final boolean flink;

  PipelineSystem(String name, boolean spillway, boolean flink) {
    this.name = name;
    this.spillway = spillway;
    this.flink = flink;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public RunResult run(WorkloadSpec spec) {
    if (spec.workload() == Workload.SORT) {
      throw new IllegalArgumentException(name + " does not run the sort workload yet");
    }
    Pipeline p = Pipeline.create(options());
    SpillOptions spill = SpillOptions.create().withMemoryBudgetBytes(spec.memoryBytes());
    PCollection<KV<Long, Long>> records = p
        .apply("Generate", GenerateSequence.from(0).to(spec.records()))
        .apply("Records", ParDo.of(new RecordFn(spec.workload(), spec.seed(), spec.keys())))
        .setCoder(KvCoder.of(VarLongCoder.of(), VarLongCoder.of()));
    if (spec.workload() == Workload.COMBINE) {
      PCollection<KV<Long, Long>> sums = spillway
          ? records.apply(SpillingCombine.<Long, Long, Long>perKey(Sum.ofLongs()).withOptions(spill))
          : records.apply(Combine.perKey(Sum.ofLongs()));
      sums.apply("Checksum", ParDo.of(new CombineChecksumFn()));
    } else {
      PCollection<KV<Long, Iterable<Long>>> groups = spillway
          ? records.apply(SpillingGroupByKey.<Long, Long>create().withOptions(spill))
          : records.apply(GroupByKey.create());
      groups.apply("Checksum", ParDo.of(new GroupChecksumFn()));
    }
    PipelineResult result = p.run();
    result.waitUntilFinish();
    System.err.printf(Locale.ROOT, "peak heap %,d bytes%n", peakHeapBytes());
    return new RunResult(counter(result, "spillCount"), counter(result, "diskBytesSpilled"),
        counter(result, "memoryBytesSpilled"), 0,
        Checksum.of(counter(result, "outputKeys"), counter(result, "sum")));
  }

  private PipelineOptions options() {
    if (flink) {
      FlinkPipelineOptions o = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
      o.setRunner(FlinkRunner.class);
      o.setFlinkMaster("[local]");
      o.setParallelism(2);
      return o;
    }
    // The DirectRunner's test-time checks (re-encoding every element) are off, for both systems.
    DirectOptions o = PipelineOptionsFactory.as(DirectOptions.class);
    o.setRunner(DirectRunner.class);
    o.setEnforceImmutability(false);
    o.setEnforceEncodability(false);
    return o;
  }

  private static long counter(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(name.equals("sum") || name.equals("outputKeys")
            ? "checksum" : "spillway", name)).build()).getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  /** The sum of the peak usage of every heap pool: an upper bound of the peak heap. */
  static long peakHeapBytes() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  /** Record i of the workload, as the generator of WORKLOADS.md makes it. */
  static final class RecordFn extends DoFn<Long, KV<Long, Long>> {
    private final Workload workload;
    private final long seed;
    private final long keys;

    RecordFn(Workload workload, long seed, long keys) {
      this.workload = workload;
      this.seed = seed;
      this.keys = keys;
    }

    @ProcessElement
    public void process(@Element Long i, OutputReceiver<KV<Long, Long>> out) {
      long r = Generator.rand(seed, i);
      out.output(KV.of(Generator.key(workload, r, keys), (long) Generator.value(r)));
    }
  }

  /** combine: S += mix64(k ^ mix64(s)). */
  static final class CombineChecksumFn extends DoFn<KV<Long, Long>, Void> {
    private final Counter sum = Metrics.counter("checksum", "sum");
    private final Counter keys = Metrics.counter("checksum", "outputKeys");

    @ProcessElement
    public void process(@Element KV<Long, Long> kv) {
      keys.inc();
      sum.inc(Generator.mix64(kv.getKey() ^ Generator.mix64(kv.getValue())));
    }
  }

  /** group, skew: S += mix64(k ^ mix64(sum * 1000003 + count)). */
  static final class GroupChecksumFn extends DoFn<KV<Long, Iterable<Long>>, Void> {
    private final Counter sum = Metrics.counter("checksum", "sum");
    private final Counter keys = Metrics.counter("checksum", "outputKeys");

    @ProcessElement
    public void process(@Element KV<Long, Iterable<Long>> group) {
      long s = 0;
      long n = 0;
      for (long v : group.getValue()) {
        s += v;
        n++;
      }
      keys.inc();
      sum.inc(Generator.mix64(group.getKey() ^ Generator.mix64(s * 1000003L + n)));
    }
  }
}
