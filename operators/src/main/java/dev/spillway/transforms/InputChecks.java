package dev.spillway.transforms;

import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.WindowingStrategy;

/** What every spillway transform checks at {@code expand()}, with messages naming it. */
final class InputChecks {
  private InputChecks() {}

  /** The input's {@link KvCoder}, with a deterministic key coder. */
  static <K, V> KvCoder<K, V> keyedInput(String transform, PCollection<?> input) {
    Coder<?> coder = input.getCoder();
    if (!(coder instanceof KvCoder)) {
      throw new IllegalStateException(transform + " requires its input to use a KvCoder, but "
          + input + " uses " + coder);
    }
    @SuppressWarnings("unchecked")
    KvCoder<K, V> kv = (KvCoder<K, V>) coder;
    try {
      kv.getKeyCoder().verifyDeterministic();
    } catch (Coder.NonDeterministicException e) {
      throw new IllegalStateException(transform + " groups by the encoded key, so the key coder "
          + kv.getKeyCoder() + " must be deterministic: " + e.getMessage(), e);
    }
    return kv;
  }

  /**
   * Bounded input in non-merging windows with the default trigger and END_OF_WINDOW timestamps:
   * what the transforms compute exactly as Beam's built-ins do.
   */
  static void supportedWindowing(String transform, PCollection<?> input) {
    if (input.isBounded() != PCollection.IsBounded.BOUNDED) {
      throw new IllegalStateException(transform + " supports bounded (batch) input only; "
          + input + " is unbounded");
    }
    WindowingStrategy<?, ?> strategy = input.getWindowingStrategy();
    if (strategy.needsMerge()) {
      throw new IllegalStateException(transform + " does not support merging windows (such as"
          + " session windows): " + strategy.getWindowFn()
          + ". Use non-merging windows, or Beam's built-in transform.");
    }
    if (!(strategy.getTrigger() instanceof DefaultTrigger)) {
      throw new IllegalStateException(transform + " supports the default trigger only, not "
          + strategy.getTrigger());
    }
    if (strategy.getTimestampCombiner() != TimestampCombiner.END_OF_WINDOW) {
      throw new IllegalStateException(transform + " supports the END_OF_WINDOW timestamp"
          + " combiner only, not " + strategy.getTimestampCombiner());
    }
  }
}
