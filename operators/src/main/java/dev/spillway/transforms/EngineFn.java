package dev.spillway.transforms;

import org.apache.beam.sdk.transforms.DoFn;

/**
 * A DoFn that runs one spilling engine per bundle: made when the bundle starts, closed (deleting
 * its spill files) when the subclass has emitted its output, and closed in any case when the next
 * bundle starts after a failed one or when the DoFn is torn down.
 */
abstract class EngineFn<InputT, OutputT, E extends AutoCloseable> extends DoFn<InputT, OutputT> {
  private static final long serialVersionUID = 1L;

  private transient E engine;

  /** The engine of a new bundle. */
  abstract E newEngine();

  /** This bundle's engine. */
  E engine() {
    return engine;
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

  void closeEngine() {
    if (engine != null) {
      E e = engine;
      engine = null;
      try {
        e.close();
      } catch (RuntimeException x) {
        throw x;
      } catch (Exception x) {
        throw new IllegalStateException("cannot close " + e, x);
      }
    }
  }
}
