package dev.spillway.transforms;

import dev.spillway.spill.CompressionCodec;
import dev.spillway.spill.JvmMemoryPools;
import dev.spillway.spill.SpillConfig;
import java.io.Serializable;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.display.DisplayData;

/**
 * How spillway's transforms may use memory and disk. Immutable and serializable; every {@code
 * withX} returns a copy and checks its argument.
 *
 * <pre>{@code
 * SpillOptions options = SpillOptions.create()
 *     .withMemoryBudgetBytes(256L << 20)
 *     .withSpillDirectories(List.of("/mnt/disk1", "/mnt/disk2"));
 * input.apply(SpillingCombine.perKey(Sum.ofLongs()).withOptions(options));
 * }</pre>
 *
 * <p>The budget is per JVM, not per bundle: every bundle of every spillway transform in one JVM
 * with the same budget draws on one shared pool ({@link JvmMemoryPools}), so N concurrent bundles
 * cannot use N budgets.
 */
public final class SpillOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** 64 MiB. */
  public static final long DEFAULT_MEMORY_BUDGET_BYTES = 64L << 20;

  /** The fewest hash shards moved through the runner's shuffle when none are given. */
  public static final int DEFAULT_SHARDS = 32;

  /** Shards per unit of the runner's parallelism when none are given. */
  static final int SHARDS_PER_SLOT = 4;

  /** How the partial results of a transform cross the runner's shuffle. */
  public enum Shuffle {
    /** Through files on the DirectRunner, which holds its shuffle on the heap; else the runner. */
    AUTO,
    /**
     * Each block of partial results in a file, only its name through the runner: the DirectRunner
     * only (refused at {@code expand()} elsewhere).
     */
    FILES,
    /** The blocks themselves through the runner's shuffle. */
    RUNNER;

    private static final String DIRECT_RUNNER = "org.apache.beam.runners.direct.DirectRunner";

    /** Whether records go through files on {@code runner}: {@code AUTO} on the DirectRunner. */
    public boolean throughFilesOn(Class<?> runner) {
      return this == FILES || (this == AUTO && isDirectRunner(runner));
    }

    static boolean isDirectRunner(Class<?> runner) {
      return runner != null && runner.getName().equals(DIRECT_RUNNER);
    }
  }

  // Not final only so that the withX methods can set them on their fresh copy (as SpillConfig).
  private long memoryBudgetBytes = DEFAULT_MEMORY_BUDGET_BYTES;
  private List<String> spillDirectories = List.of();
  private CompressionCodec codec = CompressionCodec.LZ4;

  /** 0: derived from the pipeline's parallelism. */
  private int shards;

  private boolean encryptSpills;

  /** 0: a quarter of the heap of the JVM that emits the group. */
  private long maxGroupBytes;

  private Shuffle shuffle = Shuffle.AUTO;
  private boolean flushPartials;

  private SpillOptions() {}

  private SpillOptions copy() {
    SpillOptions c = new SpillOptions();
    c.memoryBudgetBytes = memoryBudgetBytes;
    c.spillDirectories = spillDirectories;
    c.codec = codec;
    c.shards = shards;
    c.encryptSpills = encryptSpills;
    c.maxGroupBytes = maxGroupBytes;
    c.shuffle = shuffle;
    c.flushPartials = flushPartials;
    return c;
  }

  /**
   * 64 MiB, the worker's temporary directories (a Flink TaskManager's {@code io.tmp.dirs}, Spark's
   * local directories, else {@code java.io.tmpdir}), LZ4, no encryption, shards from the
   * parallelism ({@code max(32, 4 × parallelism)}), {@link Shuffle#AUTO}.
   */
  public static SpillOptions create() {
    return new SpillOptions();
  }

  /** The options a pipeline's {@link SpillwayPipelineOptions} give. */
  public static SpillOptions fromPipelineOptions(PipelineOptions pipelineOptions) {
    SpillwayPipelineOptions o = pipelineOptions.as(SpillwayPipelineOptions.class);
    SpillOptions options =
        create()
            .withMemoryBudgetBytes(MemorySize.parse(o.getSpillwayMemory()))
            .withCodec(o.getSpillwayCodec())
            .withSpillEncryption(Boolean.TRUE.equals(o.getSpillwayEncrypt()))
            .withShuffle(o.getSpillwayShuffle())
            .withFlushedPartials(Boolean.TRUE.equals(o.getSpillwayFlushPartials()));
    List<String> dirs = o.getSpillwayDirectories();
    if (dirs != null && !dirs.isEmpty()) {
      options = options.withSpillDirectories(dirs);
    }
    Integer shards = o.getSpillwayShards();
    return shards == null || shards == 0 ? options : options.withShards(shards);
  }

  /**
   * What a transform runs with: {@code given}, or the pipeline's {@link SpillwayPipelineOptions}
   * when null; with shards derived from the pipeline's parallelism when none were set.
   */
  public static SpillOptions resolve(SpillOptions given, PipelineOptions pipelineOptions) {
    SpillOptions options = given != null ? given : fromPipelineOptions(pipelineOptions);
    if (options.shards > 0) {
      return options;
    }
    Integer parallelism = pipelineOptions.as(SpillwayPipelineOptions.class).getParallelism();
    int slots = parallelism == null || parallelism < 1 ? 1 : parallelism;
    return options.withShards(
        (int) Math.min(65536, Math.max(DEFAULT_SHARDS, (long) SHARDS_PER_SLOT * slots)));
  }

  /** The memory all spillway bundles of one JVM share (at least 64 KiB). */
  public SpillOptions withMemoryBudgetBytes(long bytes) {
    if (bytes < (64 << 10)) {
      throw new IllegalArgumentException(
          "memory budget must be at least 65536 bytes, was " + bytes);
    }
    SpillOptions c = copy();
    c.memoryBudgetBytes = bytes;
    return c;
  }

  /** Directories to spill to, round-robin; each must exist and be writable on the workers. */
  public SpillOptions withSpillDirectories(List<String> directories) {
    Objects.requireNonNull(directories, "spill directories");
    if (directories.isEmpty() || directories.stream().anyMatch(d -> d == null || d.isEmpty())) {
      throw new IllegalArgumentException(
          "spill directories must be non-empty paths, were " + directories);
    }
    SpillOptions c = copy();
    c.spillDirectories = List.copyOf(directories);
    return c;
  }

  /** How spilled blocks are compressed: LZ4 (the default), SNAPPY or NONE. */
  public SpillOptions withCodec(CompressionCodec codec) {
    SpillOptions c = copy();
    c.codec = Objects.requireNonNull(codec, "codec");
    return c;
  }

  /** How many hash shards carry packed records through the runner's shuffle. */
  public SpillOptions withShards(int shards) {
    if (shards < 1 || shards > 65536) {
      throw new IllegalArgumentException("shards must be in [1, 65536], was " + shards);
    }
    SpillOptions c = copy();
    c.shards = shards;
    return c;
  }

  /**
   * The most encoded bytes of values one key may have in {@link SpillingGroupByKey}'s output, and
   * of pairs one group may have in {@link SortValues}' output: each hands a group downstream as one
   * element that the receiving step holds on its heap. Past it the bundle fails, naming the limit
   * and {@link SpillingGroupByKey#thenProcess} (or {@link SpillingGroupByKey#thenProcessSorted}),
   * which streams a group of any size from the engine. By default a quarter of the heap of the JVM
   * that emits the group.
   */
  public SpillOptions withMaxGroupBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("max group bytes must be positive, was " + bytes);
    }
    SpillOptions c = copy();
    c.maxGroupBytes = bytes;
    return c;
  }

  /**
   * How partial results cross the runner's shuffle ({@link Shuffle#AUTO} by default: through files
   * on the DirectRunner, whose shuffle holds everything it moves on the heap).
   */
  public SpillOptions withShuffle(Shuffle shuffle) {
    SpillOptions c = copy();
    c.shuffle = Objects.requireNonNull(shuffle, "shuffle");
    return c;
  }

  /**
   * Whether {@link SpillingCombine}'s step before the shuffle, when its table fills, sends the
   * table's partial accumulators on through the shuffle instead of spilling them and merging them
   * back at the end of the bundle (off by default). Flushing writes and reads no spill file but
   * moves more through the shuffle: it pays where the runner's shuffle is cheaper than a spill and
   * a merge (BENCHMARKS.md measures both). Where another engine of the thread needs the memory, the
   * step still spills.
   */
  public SpillOptions withFlushedPartials(boolean flush) {
    SpillOptions c = copy();
    c.flushPartials = flush;
    return c;
  }

  /** Whether a combine's full table before the shuffle is flushed rather than spilled. */
  public boolean flushedPartials() {
    return flushPartials;
  }

  /** How partial results cross the runner's shuffle. */
  public Shuffle shuffle() {
    return shuffle;
  }

  /** The largest group {@link SpillingGroupByKey} hands downstream, in this JVM. */
  public long maxGroupBytes() {
    return maxGroupBytes > 0 ? maxGroupBytes : Runtime.getRuntime().maxMemory() / 4;
  }

  /**
   * Encrypts spilled data at rest with AES-GCM under a fresh key per engine, held only in memory
   * (as Spark's {@code spark.io.encryption.enabled}). Off by default; what it costs is in
   * BENCHMARKS.md.
   */
  public SpillOptions withSpillEncryption(boolean encrypt) {
    SpillOptions c = copy();
    c.encryptSpills = encrypt;
    return c;
  }

  /** Whether spilled data is encrypted at rest. */
  public boolean spillEncryption() {
    return encryptSpills;
  }

  /** The memory all spillway bundles of one JVM share. */
  public long memoryBudgetBytes() {
    return memoryBudgetBytes;
  }

  /**
   * The spill directories; empty for the worker's temporary directories (a Flink TaskManager's
   * {@code io.tmp.dirs}, Spark's local directories, else {@code java.io.tmpdir}).
   */
  public List<String> spillDirectories() {
    return spillDirectories;
  }

  /** How spilled blocks are compressed. */
  public CompressionCodec codec() {
    return codec;
  }

  /** The shards, or 0 when they are to be derived from the pipeline's parallelism. */
  public int shards() {
    return shards;
  }

  /**
   * The engine configuration, drawing on this JVM's shared pool for the budget: for code that runs
   * one of the engines ({@link dev.spillway.spill.ExternalSorter} ...) inside its own DoFn.
   */
  public SpillConfig toConfig() {
    SpillConfig config =
        SpillConfig.withPool(JvmMemoryPools.ofBytes(memoryBudgetBytes))
            .withCodec(codec)
            .withEncryption(encryptSpills);
    if (!spillDirectories.isEmpty()) {
      return config.withSpillDirectories(
          spillDirectories.stream().map(Paths::get).collect(Collectors.toList()));
    }
    List<Path> runners = RunnerTempDirectories.ofThisWorker();
    return runners.isEmpty() ? config : config.withSpillDirectories(runners);
  }

  /**
   * Checks, on this machine, that every spill directory exists, is a directory and is writable,
   * with an {@link IllegalArgumentException} naming the first that is not: for launchers that run
   * the pipeline where they are started, to fail before any work.
   */
  public void checkSpillDirectoriesHere() {
    for (String dir : spillDirectories) {
      SpillConfig.checkSpillDirectory(Paths.get(dir));
    }
  }

  /** Display data of a transform's options, or of their absence (the pipeline's are read). */
  static void populateDisplayData(SpillOptions given, DisplayData.Builder builder) {
    if (given == null) {
      builder.add(
          DisplayData.item("spillOptions", "from SpillwayPipelineOptions")
              .withLabel("Spill options"));
    } else {
      given.populateDisplayData(builder);
    }
  }

  void populateDisplayData(DisplayData.Builder builder) {
    builder
        .add(
            DisplayData.item("memoryBudgetBytes", memoryBudgetBytes)
                .withLabel("Memory budget (bytes, per JVM)"))
        .add(
            DisplayData.item(
                    "spillDirectories",
                    spillDirectories.isEmpty()
                        ? "the worker's io.tmp.dirs (Flink), local dirs (Spark) or java.io.tmpdir"
                        : String.join(",", spillDirectories))
                .withLabel("Spill directories"))
        .add(DisplayData.item("codec", codec.name()).withLabel("Spill codec"))
        .add(
            DisplayData.item(
                    "shards", shards > 0 ? Integer.toString(shards) : "max(32, 4 × parallelism)")
                .withLabel("Shuffle shards"))
        .add(
            DisplayData.item("spillEncryption", encryptSpills)
                .withLabel("Spills encrypted (AES-GCM)"))
        .add(
            DisplayData.item(
                    "maxGroupBytes",
                    maxGroupBytes > 0 ? Long.toString(maxGroupBytes) : "a quarter of the heap")
                .withLabel("Largest group handed downstream (bytes)"))
        .add(
            DisplayData.item("shuffle", shuffle.name())
                .withLabel("Partial results cross the shuffle (AUTO: files on the DirectRunner)"))
        .add(
            DisplayData.item("flushPartials", flushPartials)
                .withLabel("A full combine table before the shuffle is flushed, not spilled"));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SpillOptions)) {
      return false;
    }
    SpillOptions other = (SpillOptions) o;
    return memoryBudgetBytes == other.memoryBudgetBytes
        && shards == other.shards
        && spillDirectories.equals(other.spillDirectories)
        && codec == other.codec
        && encryptSpills == other.encryptSpills
        && maxGroupBytes == other.maxGroupBytes
        && shuffle == other.shuffle
        && flushPartials == other.flushPartials;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        memoryBudgetBytes,
        spillDirectories,
        codec,
        shards,
        encryptSpills,
        maxGroupBytes,
        shuffle,
        flushPartials);
  }

  @Override
  public String toString() {
    return "SpillOptions{memoryBudgetBytes="
        + memoryBudgetBytes
        + ", spillDirectories="
        + spillDirectories
        + ", codec="
        + codec
        + ", shards="
        + shards
        + ", encryptSpills="
        + encryptSpills
        + ", maxGroupBytes="
        + (maxGroupBytes > 0 ? maxGroupBytes : "heap/4")
        + ", shuffle="
        + shuffle
        + ", flushPartials="
        + flushPartials
        + "}";
  }
}
