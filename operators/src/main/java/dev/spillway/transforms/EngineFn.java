package dev.spillway.transforms;

import dev.spillway.spill.SpillingEngine;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * A DoFn that runs one spilling engine per bundle, keyed by (window, key): the engine is made
 * when the bundle starts and, once the subclass has emitted its output, {@link #finishEngine()}
 * publishes its statistics and closes it (deleting its spill files). After a failed bundle the
 * engine is closed when the next bundle starts or the DoFn is torn down.
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

  /** After the bundle's output: publishes the engine's statistics and closes it. */
  void finishEngine() {
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
