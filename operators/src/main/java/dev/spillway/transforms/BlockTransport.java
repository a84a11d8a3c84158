package dev.spillway.transforms;

import dev.spillway.spill.BlockFile;
import dev.spillway.spill.ExchangeDirectory;
import dev.spillway.spill.ExchangeKey;
import dev.spillway.spill.RecordSink;
import dev.spillway.spill.SpillConfig;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.UUID;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * How the packed blocks of {@link TwoPhase} cross the runner's shuffle: as they are, or as the
 * names of files that hold them.
 *
 * <p>A runner whose shuffle keeps what it moves on the heap — Beam's DirectRunner holds all of a
 * {@code GroupByKey}'s input in memory until the window closes — would hold every partial result of
 * the transform there, whatever the budget. Through files, each block goes to a file of its own
 * ({@link BlockFile}: compressed, checksummed, encrypted when spills are) and only its path crosses
 * the shuffle; the merge step reads the files back and deletes them once its element is merged. The
 * windows, timestamps and panes of the shuffled elements are the same either way. A block is on the
 * heap while it is written or read (one at a time per thread, at most {@link
 * ShardPacker#BLOCK_BYTES} and a record), outside the budget as the packer's blocks are. Files are
 * used on the DirectRunner only ({@link #of}).
 */
abstract class BlockTransport implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * The transport {@code options} ask for on {@code runner}, checked at {@code expand()}: files
   * only on the DirectRunner, which runs every step in one JVM and tears DoFns down only when the
   * pipeline ends or fails (other runners tear down a step's DoFns as its tasks end, before the
   * next step has read the files; {@link RunnerGrouping} says whose shuffles keep a shard off the
   * heap).
   */
  static BlockTransport of(SpillOptions options, Class<?> runner) {
    if (options.shuffle() == SpillOptions.Shuffle.FILES
        && !SpillOptions.Shuffle.isDirectRunner(runner)) {
      throw new IllegalArgumentException(
          "Shuffle.FILES needs the DirectRunner; on "
              + (runner == null ? "this runner" : runner.getSimpleName())
              + " use AUTO or RUNNER (the runner's shuffle)");
    }
    return options.shuffle().throughFilesOn(runner) ? new ThroughFiles(options) : inline();
  }

  /** Blocks as they are. */
  static BlockTransport inline() {
    return new Inline();
  }

  /** What crosses the shuffle for {@code block}. */
  abstract byte[] send(byte[] block);

  /** Hands every record of the blocks {@code sent} stands for to {@code sink}. */
  abstract void forEachRecord(Iterable<byte[]> sent, RecordSink sink);

  /** Called once the element carrying {@code sent} has been merged: its blocks are not needed. */
  void consumed(Iterable<byte[]> sent) {}

  /**
   * Called at each bundle of a step of the transform, with its run's options: from the first, the
   * step may read or write blocks until torn down.
   */
  void join(PipelineOptions runOptions) {}

  /** Called when a step of the transform is torn down, whether or not it joined. */
  void leave() {}

  /** Blocks travel as they are. */
  private static final class Inline extends BlockTransport {
    private static final long serialVersionUID = 1L;

    @Override
    byte[] send(byte[] block) {
      return block;
    }

    @Override
    void forEachRecord(Iterable<byte[]> sent, RecordSink sink) {
      for (byte[] block : sent) {
        ShardPacker.forEachRecord(block, sink);
      }
    }
  }

  /**
   * Each block in a file of its own; its absolute path crosses the shuffle. Each run of the
   * transform has an exchange ({@link ExchangeDirectory}) that its steps' DoFns join at their first
   * bundle and leave when torn down: the DirectRunner tears a DoFn down at the end of the pipeline,
   * or when its bundle fails (and the pipeline with it). The exchange closes when the last leaves,
   * or shortly after the first, so that a step that fails first does not pull the files from under
   * the others, and a bundle the runner starts after the end writes nothing that stays.
   */
  private static final class ThroughFiles extends BlockTransport {
    private static final long serialVersionUID = 1L;

    private final SpillOptions options;

    /** Names this transform's exchanges, the same in every copy of its DoFns. */
    private final String id = UUID.randomUUID().toString();

    private final ExchangeKey key;

    /**
     * This run's exchange: {@link #id} and the run's id, which each run's copy of the options has
     * of its own, so a pipeline run again does not meet the exchange its first run closed.
     */
    private transient String runExchange;

    private transient SpillConfig config;
    private transient BlockFile blockFile;
    private transient Counter files;
    private transient Counter fileBytes;

    ThroughFiles(SpillOptions options) {
      this.options = options;
      this.key = options.spillEncryption() ? ExchangeKey.create() : null;
    }

    @Override
    byte[] send(byte[] block) {
      if (config == null) {
        config = options.toConfig();
        files = Metrics.counter(SpillMetrics.NAMESPACE, SpillMetrics.SHUFFLE_FILES);
        fileBytes = Metrics.counter(SpillMetrics.NAMESPACE, SpillMetrics.SHUFFLE_FILE_BYTES);
      }
      return ExchangeDirectory.write(
          config,
          exchange(),
          file -> {
            long written = blockFile().write(file, block, block.length);
            files.inc();
            fileBytes.inc(written);
            return file.toString().getBytes(StandardCharsets.UTF_8);
          });
    }

    @Override
    void forEachRecord(Iterable<byte[]> sent, RecordSink sink) {
      for (byte[] name : sent) {
        ShardPacker.forEachRecord(blockFile().read(pathOf(name)), sink);
      }
    }

    @Override
    void consumed(Iterable<byte[]> sent) {
      for (byte[] name : sent) {
        Path file = pathOf(name);
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot delete exchange file " + file + ": " + e, e);
        }
      }
    }

    @Override
    void join(PipelineOptions runOptions) {
      if (runExchange == null) {
        runExchange = id + "-" + runOptions.as(SpillwayPipelineOptions.class).getSpillwayRunId();
        ExchangeDirectory.join(runExchange);
      }
    }

    @Override
    void leave() {
      if (runExchange != null) {
        ExchangeDirectory.leave(runExchange);
      }
    }

    private String exchange() {
      if (runExchange == null) {
        throw new IllegalStateException("a step using the file exchange has started no bundle");
      }
      return runExchange;
    }

    /** One per DoFn instance, so used by one thread at a time, as it must be. */
    private BlockFile blockFile() {
      if (blockFile == null) {
        blockFile = new BlockFile(options.codec(), key);
      }
      return blockFile;
    }

    private static Path pathOf(byte[] name) {
      return Paths.get(new String(name, StandardCharsets.UTF_8));
    }
  }
}
