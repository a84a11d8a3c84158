package dev.spillway.transforms;

import dev.spillway.spill.SpillingEngine;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * A DoFn that runs one spilling engine per bundle, keyed by (window, key): the engine is made
 * when the bundle starts; {@link #emit} runs the subclass's output and then publishes the
 * engine's statistics and closes it (deleting its spill files), or, if the output fails midway
 * (a failing {@code extractOutput}, say), closes it at once. A bundle that fails while adding
 * input has its engine closed when the runner tears the DoFn down or starts its next bundle.
 */
abstract class EngineFn<K, InputT, OutputT, E extends SpillingEngine>
    extends DoFn<InputT, OutputT> {
  private static final long serialVersionUID = 1L;

  private final Coder<K> keyCoder;
  private final Coder<BoundedWindow> windowCoder;
  final SpillOptions options;
  private transient WindowedKey<K, BoundedWindow> keys;
  private transient SpillMetrics metrics;
  private transient E engine;

  EngineFn(Coder<K> keyCoder, Coder<BoundedWindow> windowCoder, SpillOptions options) {
    this.keyCoder = keyCoder;
    this.windowCoder = windowCoder;
    this.options = options;
  }

  /** The engine of a new bundle. */
  abstract E newEngine();

  /** Makes what the subclass needs besides the engine; called once per DoFn instance. */
  void setUpCodecs() {}

  @Setup
  public void setup() {
    keys = new WindowedKey<>(keyCoder, windowCoder);
    metrics = new SpillMetrics();
    setUpCodecs();
  }

  @StartBundle
  public void startBundle() {
    closeEngine();
    engine = newEngine();
  }

  @Teardown
  public void teardown() {
    closeEngine();
  }

  /** This bundle's engine. */
  E engine() {
    return engine;
  }

  /** Encodes engine keys: (window, key). */
  WindowedKey<K, BoundedWindow> keys() {
    return keys;
  }

  /**
   * Runs the bundle's {@code output} from the engine, then publishes the engine's statistics and
   * closes it; an output that fails closes the engine before the failure goes on.
   */
  void emit(Runnable output) {
    try {
      output.run();
    } catch (RuntimeException | Error e) {
      try {
        closeEngine();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    metrics.publish(engine.stats());
    closeEngine();
  }

  private void closeEngine() {
    if (engine != null) {
      E e = engine;
      engine = null;
      e.close();
    }
  }
}
