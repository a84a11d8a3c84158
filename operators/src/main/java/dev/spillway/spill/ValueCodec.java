package dev.spillway.spill;

/**
 * Encodes accumulators for spill files (a Beam {@code Coder} adapts to it).
 *
 * @param <T> the encoded type
 */
public interface ValueCodec<T> {
  void encode(T value, ByteSink out);

  T decode(byte[] bytes, int offset, int length);

  /**
   * The encoded size if every value has the same one, else -1. A fixed size lets the engine weigh
   * accumulators without encoding them.
   */
  default int fixedSize() {
    return -1;
  }
}
