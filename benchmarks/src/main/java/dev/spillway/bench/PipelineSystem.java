package dev.spillway.bench;

import dev.spillway.spill.ExternalSorter;
import dev.spillway.spill.OrderedBytes;
import dev.spillway.spill.RecordCursor;
import dev.spillway.templates.sort.AssignRangeFn;
import dev.spillway.templates.sort.RangeBounds;
import dev.spillway.templates.workload.Checksum;
import dev.spillway.templates.workload.Generator;
import dev.spillway.templates.workload.Workload;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.Keys;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * A workload as a Beam pipeline: {@code spillway-direct} (spillway's transforms on the
 * DirectRunner), {@code beam-direct} (Beam's built-in transforms on the DirectRunner), {@code
 * spillway-flink} and {@code beam-flink} (spillway's and the built-in transforms on Beam's Flink
 * runner, embedded or on a session cluster) and {@code direct-floor} (the same records generated on
 * the DirectRunner and summed into a checksum with nothing combined, grouped or sorted: the least
 * any pipeline over them takes, so the bound on how much faster than another a transform can make
 * its pipeline). The checksum is summed in Beam counters (longs wrap, as the checksum's arithmetic
 * does), so it comes back through the PipelineResult.
 */
final class PipelineSystem implements WorkloadSystem {
  private static final int SORT_RANGES = 64;

  /** What processes the generated records. */
  enum Transforms {
    SPILLWAY,
    BUILT_IN,
    /** Nothing: each record goes straight to the checksum, as {@code combine}'s would. */
    NONE
  }

  private final String name;
  private final Transforms transforms;

  /** The Flink master to submit to ({@code [local]}: embedded), or null for the DirectRunner. */
  private final String flinkMaster;

  private PipelineSystem(String name, Transforms transforms, String flinkMaster) {
    this.name = name;
    this.transforms = transforms;
    this.flinkMaster = flinkMaster;
  }

  static PipelineSystem direct(String name, Transforms transforms) {
    return new PipelineSystem(name, transforms, null);
  }

  static PipelineSystem flink(String name, Transforms transforms, String master) {
    return new PipelineSystem(name, transforms, master);
  }

  private boolean spillway() {
    return transforms == Transforms.SPILLWAY;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public RunResult run(WorkloadSpec spec) {
    Pipeline p = Pipeline.create(options());
    // -Dspillway.shuffle=RUNNER measures the DirectRunner's own shuffle beside the default;
    // -Dspillway.flush=true a combine that flushes full tables before the shuffle.
    SpillOptions spill =
        SpillOptions.create()
            .withMemoryBudgetBytes(spec.memoryBytes())
            .withShuffle(
                SpillOptions.Shuffle.valueOf(System.getProperty("spillway.shuffle", "AUTO")))
            .withFlushedPartials(Boolean.getBoolean("spillway.flush"));
    PCollection<KV<Long, Long>> records =
        generate(p, spec).setCoder(KvCoder.of(VarLongCoder.of(), VarLongCoder.of()));
    if (transforms == Transforms.NONE) {
      records.apply("Checksum", ParDo.of(new CombineChecksumFn()));
    } else if (spec.workload() == Workload.SORT) {
      sort(records, spec.records(), spec.seed(), spill);
    } else if (spec.workload() == Workload.COMBINE) {
      PCollection<KV<Long, Long>> sums =
          spillway()
              ? records.apply(
                  SpillingCombine.<Long, Long, Long>perKey(Sum.ofLongs()).withOptions(spill))
              : records.apply(Combine.perKey(Sum.ofLongs()));
      sums.apply("Checksum", ParDo.of(new CombineChecksumFn()));
    } else {
      PCollection<KV<Long, Iterable<Long>>> groups =
          spillway()
              ? records.apply(SpillingGroupByKey.<Long, Long>create().withOptions(spill))
              : records.apply(GroupByKey.create());
      groups.apply("Checksum", ParDo.of(new GroupChecksumFn()));
    }
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return new RunResult(
        SpillMetrics.total(result, SpillMetrics.SPILL_COUNT),
        SpillMetrics.total(result, SpillMetrics.DISK_BYTES_SPILLED),
        SpillMetrics.total(result, SpillMetrics.MEMORY_BYTES_SPILLED),
        0,
        Checksum.of(
            SpillMetrics.total(result, "checksum", "outputKeys"),
            SpillMetrics.total(result, "checksum", "sum")));
  }

  /**
   * The workload's records. On Flink, {@value #GENERATOR_SHARDS} shards of the record indexes are
   * spread over the workers and each generates its range in one call of a DoFn: Beam's Flink source
   * wrapper, which {@code GenerateSequence} goes through, walks every metric cell of its task after
   * each record it reads (half of a TaskManager's samples in BENCHMARKS.md's profile), which no job
   * reading real files through a ParDo pays per record. Every system gets the same records either
   * way. {@code -Dspillway.source=sequence} keeps {@code GenerateSequence} on Flink too (the source
   * of the batches measured before 2026-12-04); the DirectRunner always uses it, since it holds a
   * bundle's outputs in memory and a shard's would be millions of records.
   */
  private PCollection<KV<Long, Long>> generate(Pipeline p, WorkloadSpec spec) {
    RecordFn records = new RecordFn(spec.workload(), spec.seed(), spec.keys());
    if (flinkMaster == null || "sequence".equals(System.getProperty("spillway.source"))) {
      return p.apply("Generate", GenerateSequence.from(0).to(spec.records()))
          .apply("Records", ParDo.of(records));
    }
    List<Long> shards = LongStream.range(0, GENERATOR_SHARDS).boxed().collect(Collectors.toList());
    return p.apply("Shards", Create.of(shards))
        .apply("SpreadShards", Reshuffle.viaRandomKey())
        .apply("Records", ParDo.of(new ShardRecordsFn(records, spec.records(), GENERATOR_SHARDS)));
  }

  private static final int GENERATOR_SHARDS = 64;

  /**
   * sort: a sample of the keys, taken up front, sets {@value #SORT_RANGES} key ranges; each range
   * is grouped (by SpillingGroupByKey, or Beam's GroupByKey), sorted (by spillway's ExternalSorter,
   * or on the heap) and checksummed at its global positions, which start after the counts of the
   * ranges before it.
   */
  private void sort(
      PCollection<KV<Long, Long>> records, long recordCount, long seed, SpillOptions spill) {
    PCollection<Long> keys = records.apply("Keys", Keys.create());
    // The sample: the keys of records picked at random, as a job samples its input files.
    Random random = new Random(seed);
    List<byte[]> sample = new ArrayList<>();
    for (int i = 0; i < SORT_RANGES * RangeBounds.SAMPLES_PER_RANGE && recordCount > 0; i++) {
      long index = (long) (random.nextDouble() * recordCount);
      sample.add(OrderedBytes.encodeLong(Generator.rand(seed, index)));
    }
    List<byte[]> bounds = RangeBounds.fromSample(sample, SORT_RANGES);
    PCollection<KV<Integer, Long>> ranged =
        keys.apply(
                "AssignRanges", ParDo.of(new AssignRangeFn<Long>(bounds, OrderedBytes::encodeLong)))
            .setCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of()));
    PCollectionView<Map<Integer, Long>> counts =
        (spillway()
                ? ranged.apply(
                    "CountRanges",
                    SpillingCombine.<Integer, Long, Long>perKey(Count.<Long>combineFn())
                        .withOptions(spill))
                : ranged.apply("CountRanges", Count.perKey()))
            .apply("CountsView", View.asMap());
    PCollection<KV<Integer, Iterable<Long>>> grouped =
        spillway()
            ? ranged.apply(
                "GroupRanges", SpillingGroupByKey.<Integer, Long>create().withOptions(spill))
            : ranged.apply("GroupRanges", GroupByKey.create());
    grouped.apply(
        "SortRanges",
        ParDo.of(new SortChecksumFn(counts, spillway() ? spill : null)).withSideInputs(counts));
  }

  /** sort: S += mix64(p ^ mix64(key at p)), p counted from the ranges before this one. */
  static final class SortChecksumFn extends DoFn<KV<Integer, Iterable<Long>>, Void> {
    private static final byte[] NO_VALUE = new byte[0];

    private final PCollectionView<Map<Integer, Long>> counts;

    /** Null: sort on the heap, as a job with Beam's built-ins would. */
    private final SpillOptions spill;

    private final Counter sum = Metrics.counter("checksum", "sum");
    private final Counter keys = Metrics.counter("checksum", "outputKeys");

    SortChecksumFn(PCollectionView<Map<Integer, Long>> counts, SpillOptions spill) {
      this.counts = counts;
      this.spill = spill;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      int range = c.element().getKey();
      long p = 0;
      for (Map.Entry<Integer, Long> e : c.sideInput(counts).entrySet()) {
        if (e.getKey() < range) {
          p += e.getValue();
        }
      }
      long s = 0;
      long n = 0;
      if (spill == null) {
        List<Long> sorted = new ArrayList<>();
        c.element().getValue().forEach(sorted::add);
        sorted.sort(null);
        for (long k : sorted) {
          s += Generator.mix64((p + n++) ^ Generator.mix64(k));
        }
      } else {
        try (ExternalSorter sorter = new ExternalSorter(spill.toConfig())) {
          for (long k : c.element().getValue()) {
            sorter.add(OrderedBytes.encodeLong(k), NO_VALUE);
          }
          try (RecordCursor sorted = sorter.finish()) {
            while (sorted.next()) {
              long k = OrderedBytes.decodeLong(sorted.keyArray(), sorted.keyOffset());
              s += Generator.mix64((p + n++) ^ Generator.mix64(k));
            }
          }
        }
      }
      sum.inc(s);
      keys.inc(n);
    }
  }

  private PipelineOptions options() {
    if (flinkMaster != null) {
      FlinkPipelineOptions o = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
      o.setRunner(FlinkRunner.class);
      o.setFlinkMaster(flinkMaster);
      if (!flinkMaster.equals("[local]")) {
        // A session cluster started by scripts/flink-cluster.sh already has spillway, Beam and
        // Flink on its classpath: only the benchmark's own classes travel with the job.
        o.setFilesToStage(List.of(thinJar()));
      }
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

  /** The benchmark's classes alone: spillway-benchmarks-thin.jar beside the running jar. */
  private static String thinJar() {
    try {
      Path running =
          Paths.get(
              PipelineSystem.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path thin = running.resolveSibling("spillway-benchmarks-thin.jar");
      if (!Files.isRegularFile(thin)) {
        throw new IllegalStateException("no " + thin + ": build the benchmarks module first");
      }
      return thin.toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
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

  /** Generates the records of shard {@code s}: indexes [s * records / shards, (s+1) * ...). */
  static final class ShardRecordsFn extends DoFn<Long, KV<Long, Long>> {
    private final RecordFn records;
    private final long recordCount;
    private final int shards;

    ShardRecordsFn(RecordFn records, long recordCount, int shards) {
      this.records = records;
      this.recordCount = recordCount;
      this.shards = shards;
    }

    @ProcessElement
    public void process(@Element Long shard, OutputReceiver<KV<Long, Long>> out) {
      long from = shard * recordCount / shards;
      long to = (shard + 1) * recordCount / shards;
      for (long i = from; i < to; i++) {
        records.process(i, out);
      }
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
