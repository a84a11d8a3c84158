package dev.spillway.transforms;

import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.values.PCollection;

/** What every spillway transform checks at {@code expand()}, with messages naming it. */
final class InputChecks {
  private InputChecks() {}

  /** The input's {@link KvCoder}, with a deterministic key coder. */
  static <K, V> KvCoder<K, V> keyedInput(String transform, PCollection<?> input) {
    Coder<?> coder = input.getCoder();
    if (!(coder instanceof KvCoder)) {
      throw new IllegalStateException(
          transform + " requires its input to use a KvCoder, but " + input + " uses " + coder);
    }
    @SuppressWarnings("unchecked")
    KvCoder<K, V> kv = (KvCoder<K, V>) coder;
    try {
      kv.getKeyCoder().verifyDeterministic();
    } catch (Coder.NonDeterministicException e) {
      throw new IllegalStateException(
          transform
              + " groups by the encoded key, so the key coder "
              + kv.getKeyCoder()
              + " must be deterministic: "
              + e.getMessage(),
          e);
    }
    return kv;
  }
}
