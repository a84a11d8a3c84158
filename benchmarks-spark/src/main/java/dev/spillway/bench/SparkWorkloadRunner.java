package dev.spillway.bench;

import dev.spillway.bench.PipelineSystem.Transforms;
import java.util.Map;
import java.util.function.Function;
import org.apache.beam.runners.spark.SparkPipelineOptions;
import org.apache.beam.runners.spark.SparkRunner;
import org.apache.beam.runners.spark.translation.SparkContextFactory;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The workload runner of benchmarks/WORKLOADS.md ({@link WorkloadRunner}) with the systems of
 * Beam's Spark runner: {@code spillway-spark} (spillway's transforms), {@code beam-spark} (Beam's
 * built-ins) and {@code spark-floor} (the records generated and checksummed, nothing else), the
 * same pipelines, records and checksums as the Flink ones.
 *
 * <pre>
 * java -Xmx2g -jar benchmarks-spark/target/spillway-benchmarks-spark.jar \
 *     --workload combine|group|skew|sort [--records N] [--memory-mb 64] \
 *     --system spillway-spark|beam-spark|spark-floor [--spark-master local[2]]
 * </pre>
 *
 * The master defaults to {@code local[2]}: Spark in this JVM with two worker threads, which is
 * where the whole job runs, so {@code -Xmx} is the heap of the driver and of both workers, and
 * {@code --memory-mb} the budget shared by the engines of the JVM.
 */
public final class SparkWorkloadRunner {
  private static final Map<String, Function<Map<String, String>, WorkloadSystem>> SYSTEMS =
      Map.of(
          "spillway-spark",
          opts -> spark("spillway-spark", Transforms.SPILLWAY, opts),
          "beam-spark",
          opts -> spark("beam-spark", Transforms.BUILT_IN, opts),
          "spark-floor",
          opts -> spark("spark-floor", Transforms.NONE, opts));

  private SparkWorkloadRunner() {}

  public static void main(String[] args) throws Exception {
    WorkloadRunner.run(args, SYSTEMS, "--spark-master local[N]|spark://HOST:PORT");
  }

  private static PipelineSystem spark(
      String name, Transforms transforms, Map<String, String> opts) {
    String master = opts.getOrDefault("spark-master", "local[2]");
    return new PipelineSystem(
        name, transforms, new PipelineSystem.Target(() -> options(master), true, true));
  }

  /**
   * The options of one run. The Spark context is started here, before the pipeline is submitted, by
   * Beam's own factory and as Beam would start it (so a run's {@code job_seconds} leave its
   * start-up out, and its wall clock does not); Beam's {@code beam.spark.test.reuseSparkContext}
   * keeps it for the next pipeline of this JVM (a warm-up's) instead of stopping it.
   */
  private static PipelineOptions options(String master) {
    SparkPipelineOptions o = PipelineOptionsFactory.as(SparkPipelineOptions.class);
    o.setRunner(SparkRunner.class);
    o.setSparkMaster(master);
    // Beam's metric sinks would report to Spark's metrics system; the checksum comes back
    // through the pipeline result's counters either way.
    o.setEnableSparkMetricSinks(false);
    System.setProperty("beam.spark.test.reuseSparkContext", "true");
    SparkContextFactory.getSparkContext(o);
    return o;
  }
}
