package dev.spillway.transforms;

import dev.spillway.spill.RecordSink;
import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillingEngine;
import java.lang.ref.Cleaner;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * A DoFn that runs a spilling engine keyed by (window, key) ({@link EngineKey}): one per bundle in
 * the partial steps, one per shuffled element in the merge steps. {@link #engine()} makes it when
 * first asked; {@link #finishEngine} runs the subclass's output from it and then publishes the
 * engine's statistics and closes it (deleting its spill files), or, if the output fails midway (a
 * failing {@code extractOutput}, say), closes it at once. A bundle that fails while adding input
 * has its engine closed when the runner tears the DoFn down or starts its next bundle.
 *
 * <p>Beam calls {@code @Teardown} on a best-effort basis, and some runners skip it: Flink does not
 * tear down the DoFns of an attempt it cancels to restart a job. So each DoFn instance also
 * registers its engine with a {@link Cleaner}: once the runner has dropped the instance, the next
 * garbage collection closes the engine it left open, deleting its files and returning its memory to
 * the pool.
 */
abstract class EngineFn<K, InputT, OutputT, E extends SpillingEngine>
    extends DoFn<InputT, OutputT> {
  private static final long serialVersionUID = 1L;

  /** One daemon thread for every EngineFn of the JVM. */
  private static final Cleaner CLEANER = Cleaner.create();

  private final Coder<K> keyCoder;
  private final Coder<BoundedWindow> windowCoder;
  private final boolean sessions;
  final SpillOptions options;

  /** How blocks cross the shuffle; {@link TwoPhase} sets it before the DoFn is serialized. */
  private BlockTransport transport = BlockTransport.inline();

  private transient EngineKey<K> keys;
  private transient SpillMetrics metrics;

  /** This bundle's engine, in a holder the cleaner can close without reaching the DoFn. */
  private transient EngineSlot<E> slot;

  private transient Cleaner.Cleanable cleanable;

  EngineFn(Coder<K> keyCoder, Windowing windowing, SpillOptions options) {
    this.keyCoder = keyCoder;
    this.windowCoder = windowing.windowCoder();
    this.sessions = windowing.sessions();
    this.options = options;
  }

  /** The engine of a new bundle. */
  abstract E newEngine();

  /** Makes what the subclass needs besides the engine; called once per DoFn instance. */
  void setUpCodecs() {}

  @Setup
  public void setup() {
    keys = sessions ? new SessionKey<>(keyCoder) : new WindowedKey<>(keyCoder, windowCoder);
    metrics = new SpillMetrics();
    slot = new EngineSlot<>();
    cleanable = CLEANER.register(this, slot::close);
    setUpCodecs();
  }

  /**
   * Closes an engine left by a bundle that failed while adding input, and joins the transport on
   * the first bundle: {@code runOptions} are the run's own, which {@code @Setup} is not given on
   * the DirectRunner (it passes the pipeline's, the same for every run).
   */
  @StartBundle
  public void startBundle(PipelineOptions runOptions) {
    slot.close();
    transport.join(runOptions);
  }

  /** Tears down the engine and leaves the transport (the last to leave deletes its files). */
  @Teardown
  public void teardown() {
    if (cleanable != null) {
      cleanable.clean();
      cleanable = null;
      transport.leave();
    }
  }

  void shuffleThrough(BlockTransport transport) {
    this.transport = transport;
  }

  /** The engine in use, made when first asked for. */
  E engine() {
    if (slot.engine == null) {
      slot.engine = newEngine();
    }
    return slot.engine;
  }

  /**
   * A packer whose blocks a partial step outputs, at the end of its bundle, as {@code (shard,
   * block)} in the block's window and at its timestamp.
   */
  ShardPacker packerFor(DoFn<?, KV<Integer, byte[]>>.FinishBundleContext context) {
    return packerFor(() -> null, () -> context);
  }

  /**
   * A packer whose blocks a partial step outputs as {@code (shard, block)} in the block's window,
   * at its timestamp, with the pane a bundle's end gives ({@code NO_FIRING}): through the bundle's
   * context once {@code finishing} gives one, else through the receiver of the element being
   * processed (a table flushed while input comes).
   */
  ShardPacker packerFor(
      Supplier<DoFn.OutputReceiver<KV<Integer, byte[]>>> receiver,
      Supplier<DoFn<?, KV<Integer, byte[]>>.FinishBundleContext> finishing) {
    return new ShardPacker(
        options.shards(),
        (shard, block, window, millis) -> {
          KV<Integer, byte[]> element = KV.of(shard, transport.send(block));
          Instant timestamp = new Instant(millis);
          DoFn<?, KV<Integer, byte[]>>.FinishBundleContext end = finishing.get();
          if (end != null) {
            end.output(element, timestamp, window);
          } else {
            receiver
                .get()
                .outputWindowedValue(element, timestamp, List.of(window), PaneInfo.NO_FIRING);
          }
        });
  }

  /**
   * The configuration of a merge step's engine: its output goes downstream on this thread, where
   * the runner may run the next steps, and their engines, fused with this one.
   */
  SpillConfig mergeStepConfig() {
    return options.toConfig().withRoomForFusedEngines(true);
  }

  /** Encodes engine keys: (window, key). */
  EngineKey<K> keys() {
    return keys;
  }

  /**
   * A merge step's work on one shuffled element: runs {@code work} on an engine of its own, closes
   * it as {@link #finishEngine} does, and then lets the transport drop the element's blocks.
   */
  void mergeShard(Iterable<byte[]> blocks, Consumer<E> work) {
    engine();
    finishEngine(work);
    transport.consumed(blocks);
  }

  /** Hands every record of a shuffled element's blocks to {@code sink}. */
  void forEachRecord(Iterable<byte[]> blocks, RecordSink sink) {
    transport.forEachRecord(blocks, sink);
  }

  /**
   * Runs {@code output} on the engine in use, if there is one, then publishes the engine's
   * statistics and closes it; an output that fails closes the engine before the failure goes on.
   */
  void finishEngine(Consumer<E> output) {
    if (slot.engine == null) {
      return;
    }
    try {
      output.accept(slot.engine);
    } catch (RuntimeException | Error e) {
      try {
        slot.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    metrics.publish(slot.engine.stats());
    slot.close();
  }

  /**
   * Holds the engine of the bundle in progress. The cleaner's action refers to this, never to the
   * DoFn, so that it does not keep the DoFn reachable.
   */
  private static final class EngineSlot<E extends SpillingEngine> {
    /** Written by the bundle's thread; read by the cleaner's once the DoFn is unreachable. */
    volatile E engine;

    void close() {
      E e = engine;
      engine = null;
      if (e != null) {
        e.close();
      }
    }
  }
}
