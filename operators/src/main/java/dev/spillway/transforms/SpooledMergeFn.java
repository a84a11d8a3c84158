package dev.spillway.transforms;

import dev.spillway.spill.BlockFile;
import dev.spillway.spill.ExchangeDirectory;
import dev.spillway.spill.ExchangeKey;
import dev.spillway.spill.SpillConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;

/**
 * The merge step of {@link TwoPhase} where the runner's {@code GroupByKey} would hold each shard
 * whole on the heap (Flink's DataStream translation of batch, {@link Windowing#spoolsShards}): a
 * stateful DoFn keyed by shard takes the partial step's blocks one at a time, writes each to a file
 * of its own ({@link BlockFile}, in a directory of this DoFn instance's), and when the window ends
 * hands the shard's blocks, read back one at a time, to the merge step's own {@link
 * ShuffleStepFn#merge}, in the pane Flink's {@code GroupByKey} gives a window of a batch, with or
 * without allowed lateness ({@code ON_TIME_AND_ONLY_FIRING}, measured on Beam 2.62); then it
 * deletes them. When lateness is allowed that {@code GroupByKey} fires a second pane at the
 * window's expiry, empty whatever the closing behaviour and accumulation mode (measured too): a
 * shard's merge step got nothing from it, and gets nothing here.
 *
 * <p>In a batch, Flink sorts a keyed input by key and fires a key's timers before the next key's
 * elements, so one shard is spooled at a time and a hot key's shard needs disk, not heap: the names
 * of its files (a few dozen bytes for each block of up to {@link ShardPacker#BLOCK_BYTES}) are all
 * it keeps. The files go when their shard is merged, when the DoFn is torn down, once the runner
 * drops a DoFn it never tore down (a {@link Cleaner}: Flink skips {@code @Teardown} for an attempt
 * it cancels), at the JVM's exit, or after a crash with the next sweep of the spill directory.
 * {@link SpillMetrics}' {@code shuffleFiles} and {@code shuffleFileBytes} count them.
 */
final class SpooledMergeFn<OutputT> extends DoFn<KV<Integer, byte[]>, OutputT> {
  private static final long serialVersionUID = 1L;

  private static final Cleaner CLEANER = Cleaner.create();

  private final ShuffleStepFn<?, KV<Integer, Iterable<byte[]>>, OutputT> merge;
  private final SpillOptions options;

  @TimerId("windowEnd")
  private final TimerSpec windowEnd = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  private transient Spools spools;
  private transient Cleaner.Cleanable cleanable;

  SpooledMergeFn(
      ShuffleStepFn<?, KV<Integer, Iterable<byte[]>>, OutputT> merge, SpillOptions options) {
    this.merge = merge;
    this.options = options;
  }

  /**
   * Unbounded: the merge step outputs each result at its own time, before the window's end at which
   * the timer fires (nothing is late in a batch).
   */
  @Override
  @SuppressWarnings("deprecation") // The skew is deprecated for users; runners still respect it.
  public Duration getAllowedTimestampSkew() {
    return Duration.millis(Long.MAX_VALUE);
  }

  @Setup
  public void setup() {
    merge.setup();
    spools = new Spools(options);
    cleanable = CLEANER.register(this, spools::close);
  }

  @StartBundle
  public void startBundle(PipelineOptions runOptions) {
    merge.startBundle(runOptions);
  }

  @ProcessElement
  public void processElement(
      @Element KV<Integer, byte[]> block, BoundedWindow window, @TimerId("windowEnd") Timer timer) {
    if (spools.add(block.getKey(), window, block.getValue())) {
      timer.set(window.maxTimestamp());
    }
  }

  @OnTimer("windowEnd")
  public void onWindowEnd(
      @Key Integer shard, BoundedWindow window, OutputReceiver<OutputT> receiver) {
    List<Path> files = spools.take(shard, window);
    if (files == null) {
      return;
    }
    try {
      merge.merge(KV.of(shard, spools.blocks(files)), PaneInfo.ON_TIME_AND_ONLY_FIRING, receiver);
    } finally {
      spools.delete(files);
    }
  }

  @Teardown
  public void teardown() {
    if (cleanable != null) {
      cleanable.clean();
      merge.teardown();
    }
  }

  /**
   * The spooled blocks of the shards and windows whose end has not come, in an exchange directory
   * of this DoFn instance's alone. The cleaner's action refers to this, never to the DoFn.
   */
  private static final class Spools {
    private final SpillConfig config;
    private final String exchange = "spool-" + UUID.randomUUID();
    private final BlockFile writer;
    private final BlockFile reader;
    private final Map<KV<Integer, BoundedWindow>, List<Path>> open = new HashMap<>();
    private final Counter spooledFiles =
        Metrics.counter(SpillMetrics.NAMESPACE, SpillMetrics.SHUFFLE_FILES);
    private final Counter spooledBytes =
        Metrics.counter(SpillMetrics.NAMESPACE, SpillMetrics.SHUFFLE_FILE_BYTES);

    Spools(SpillOptions options) {
      this.config = options.toConfig();
      ExchangeKey key = options.spillEncryption() ? ExchangeKey.create() : null;
      this.writer = new BlockFile(options.codec(), key);
      this.reader = new BlockFile(options.codec(), key);
    }

    /** Spools {@code block}; returns whether it is the first of its shard and window. */
    boolean add(int shard, BoundedWindow window, byte[] block) {
      Path file =
          ExchangeDirectory.write(
              config,
              exchange,
              path -> {
                spooledBytes.inc(writer.write(path, block, block.length));
                spooledFiles.inc();
                return path;
              });
      List<Path> files = open.computeIfAbsent(KV.of(shard, window), k -> new ArrayList<>());
      files.add(file);
      return files.size() == 1;
    }

    /** The files of {@code shard} in {@code window}, no longer spooled; null if none. */
    List<Path> take(int shard, BoundedWindow window) {
      return open.remove(KV.of(shard, window));
    }

    /** The blocks in {@code files}, each read when the iteration reaches it. */
    Iterable<byte[]> blocks(List<Path> files) {
      return () ->
          new Iterator<>() {
            private final Iterator<Path> next = files.iterator();

            @Override
            public boolean hasNext() {
              return next.hasNext();
            }

            @Override
            public byte[] next() {
              return reader.read(next.next());
            }
          };
    }

    void delete(List<Path> files) {
      for (Path file : files) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot delete spooled block " + file + ": " + e, e);
        }
      }
    }

    /** Deletes every spooled file, and the directory. */
    void close() {
      open.clear();
      ExchangeDirectory.close(exchange);
    }
  }
}
