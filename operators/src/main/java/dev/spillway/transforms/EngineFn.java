package dev.spillway.transforms;

import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillingEngine;
import java.lang.ref.Cleaner;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;

/**
 * A {@link ShuffleStepFn} that runs a spilling engine keyed by (window, key): one per bundle in the
 * combine's partial step, one per shuffled element in the merge steps. {@link #engine()} makes it
 * when first asked; {@link #finishEngine} runs the subclass's output from it and then publishes the
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
    extends ShuffleStepFn<K, InputT, OutputT> {
  private static final long serialVersionUID = 1L;

  /** One daemon thread for every EngineFn of the JVM. */
  private static final Cleaner CLEANER = Cleaner.create();

  private transient SpillMetrics metrics;

  /** This bundle's engine, in a holder the cleaner can close without reaching the DoFn. */
  private transient EngineSlot<E> slot;

  private transient Cleaner.Cleanable cleanable;

  EngineFn(Coder<K> keyCoder, Windowing windowing, SpillOptions options) {
    super(keyCoder, windowing, options);
  }

  /** The engine of a new bundle. */
  abstract E newEngine();

  /** Makes what the subclass needs besides the engine; called once per DoFn instance. */
  void setUpCodecs() {}

  @Override
  final void setUpStep() {
    metrics = new SpillMetrics();
    slot = new EngineSlot<>();
    cleanable = CLEANER.register(this, slot::close);
    setUpCodecs();
  }

  /** Closes an engine left by a bundle that failed while adding input. */
  @Override
  final void startStepBundle() {
    slot.close();
  }

  /** Closes the engine in use, if any (deleting its files). */
  @Override
  final void tearDownStep() {
    cleanable.clean();
  }

  /** The engine in use, made when first asked for. */
  E engine() {
    if (slot.engine == null) {
      slot.engine = newEngine();
    }
    return slot.engine;
  }

  /**
   * The configuration of a merge step's engine: its output goes downstream on this thread, where
   * the runner may run the next steps, and their engines, fused with this one.
   */
  SpillConfig mergeStepConfig() {
    return options.toConfig().withRoomForFusedEngines(true);
  }

  /**
   * A merge step's work on one shuffled element: runs {@code work} on an engine of its own, closes
   * it as {@link #finishEngine} does, and then lets the transport drop the element's blocks unless
   * the shuffle fires them again after {@code pane}.
   */
  void mergeShard(Iterable<byte[]> blocks, PaneInfo pane, Consumer<E> work) {
    engine();
    finishEngine(work);
    consumed(blocks, pane);
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
