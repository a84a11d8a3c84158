package dev.spillway.templates.cli;

import dev.spillway.templates.JobOptions;
import dev.spillway.templates.RunnerPlugin;
import dev.spillway.templates.RunnerPlugins;
import dev.spillway.transforms.SpillOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine.Option;

/** The options every job command takes; copied into the job's {@link JobOptions}. */
final class JobArgs {
  /** A bundle's largest size and longest time on Flink's DataStream translation: the input's. */
  private static final long LARGE_BUNDLE_ELEMENTS = 100_000_000L;

  private static final long LARGE_BUNDLE_MILLIS = 6_000_000L;

  /** Where the pipeline runs. */
  enum Runner {
    DIRECT,
    FLINK,
    SPARK
  }

  @Option(
      names = {"-i", "--input"},
      required = true,
      paramLabel = "PATH",
      description =
          "Input: a file, a directory or a glob (data/*.csv); comma-separated for" + " several.")
  String input;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "Output file; it appears only when the job has succeeded.")
  String output;

  @Option(
      names = {"-m", "--memory"},
      defaultValue = "64m",
      paramLabel = "SIZE",
      description = "Memory budget for spilling, e.g. 64m, 2g (default: ${DEFAULT-VALUE}).")
  String memory;

  @Option(
      names = "--spill-dir",
      paramLabel = "DIR",
      description =
          "A directory to spill to; repeat for several (default: each worker's own: a Flink"
              + " TaskManager's io.tmp.dirs, Spark's local directories, else java.io.tmpdir).")
  List<String> spillDirs = new ArrayList<>();

  @Option(
      names = "--encrypt-spills",
      description = "Encrypt spilled data (AES-GCM, a fresh key per engine, never written).")
  boolean encryptSpills;

  @Option(
      names = {"-d", "--delimiter"},
      defaultValue = "auto",
      paramLabel = "CHAR",
      description = "Field delimiter: auto (comma; tab for .tsv), tab, or one character.")
  String delimiter;

  @Option(
      names = "--no-header",
      negatable = false,
      description = "The input has no header line; name columns by number (1, 2, ...).")
  boolean noHeader;

  @Option(
      names = "--skip-bad-records",
      description = "Count and report malformed lines instead of failing on the first.")
  boolean skipBadRecords;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress lines, only the summary.")
  boolean quiet;

  @Option(
      names = "--runner",
      defaultValue = "direct",
      paramLabel = "RUNNER",
      description =
          "direct (Beam's DirectRunner, in this process), flink (Beam's Flink runner;"
              + " see --flink-master) or spark (Beam's Spark runner, in spillway-spark.jar; see"
              + " --spark-master). Default: ${DEFAULT-VALUE}.")
  Runner runner;

  @Option(
      names = "--shuffle",
      defaultValue = "auto",
      paramLabel = "HOW",
      description =
          "How records reach the step that merges them: auto (files on the"
              + " DirectRunner, the runner's shuffle elsewhere), files (through the work directory:"
              + " memory bounded by --memory whatever the input) or runner. Default: ${DEFAULT-VALUE}.")
  SpillOptions.Shuffle shuffle;

  @Option(
      names = "--shards",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Hash shards that carry records to the step that merges them, each merged by one"
              + " worker at a time (default: 0, max(32, 4 x the parallelism)).")
  int shards;

  @Option(
      names = "--flink-master",
      defaultValue = "[local]",
      paramLabel = "HOST:PORT",
      description =
          "The Flink cluster's JobManager, or [local] for an embedded one"
              + " (default: ${DEFAULT-VALUE}).")
  String flinkMaster;

  @Option(
      names = "--flink-datastream",
      description =
          "With --runner flink: translate the job with Flink's DataStream API (the only one Flink 2"
              + " keeps) instead of the DataSet API, in bundles of up to 100,000,000 elements or"
              + " 100 minutes, so that an aggregate's partial step combines the whole split, and"
              + " with elements passed between chained steps without a copy.")
  boolean flinkDataStream;

  @Option(
      names = "--spark-master",
      defaultValue = "local[*]",
      paramLabel = "MASTER",
      description =
          "The Spark master: local[N] runs Spark in this process, spark://HOST:PORT"
              + " submits to a cluster (default: ${DEFAULT-VALUE}).")
  String sparkMaster;

  @Option(
      names = "--parallelism",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Parallelism: DirectRunner threads, Flink slots or local Spark threads"
              + " (default: the cores).")
  int parallelism;

  /** New options of {@code type} holding these values. */
  <O extends JobOptions> O toOptions(Class<O> type) {
    PipelineOptionsFactory.register(type);
    O o = PipelineOptionsFactory.as(type);
    o.setInput(input);
    o.setOutput(output);
    o.setMemory(memory);
    o.setSpillDirs(spillDirs.isEmpty() ? null : List.copyOf(spillDirs));
    o.setDelimiter(delimiter);
    o.setEncryptSpills(encryptSpills);
    o.setHeader(!noHeader);
    o.setSkipBadRecords(skipBadRecords);
    o.setShuffle(shuffle);
    o.setShards(shards);
    if (flinkDataStream && runner != Runner.FLINK) {
      throw new IllegalArgumentException("--flink-datastream needs --runner flink");
    }
    if (runner == Runner.SPARK) {
      RunnerPlugin spark =
          RunnerPlugins.named("spark")
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--runner spark: Beam's Spark runner is not in this jar;"
                              + " run the jobs with spillway-spark.jar (templates-spark/target/spillway-spark.jar),"
                              + " which carries it"));
      spark.configure(o, sparkMaster, parallelism);
    } else if (runner == Runner.FLINK) {
      FlinkPipelineOptions flink = o.as(FlinkPipelineOptions.class);
      flink.setRunner(FlinkRunner.class);
      flink.setFlinkMaster(flinkMaster);
      if (parallelism > 0) {
        flink.setParallelism(parallelism);
      }
      if (flinkDataStream) {
        flink.setUseDataStreamForBatch(true);
        // Beam's defaults end a bundle every 1,000 elements or second there, and a combine's
        // partial step hands its table on at each bundle's end: it would hardly combine.
        flink.setMaxBundleSize(LARGE_BUNDLE_ELEMENTS);
        flink.setMaxBundleTimeMills(LARGE_BUNDLE_MILLIS);
        // Without it Flink copies every element between chained steps by encoding and decoding
        // it: half of a combine's job time there (BENCHMARKS). The jobs' steps never change an
        // element they have output or received (their tests pass the DirectRunner's checks).
        flink.setObjectReuse(true);
      }
    } else {
      o.setRunner(DirectRunner.class);
      if (parallelism > 0) {
        o.as(DirectOptions.class).setTargetParallelism(parallelism);
      }
    }
    return o;
  }
}
