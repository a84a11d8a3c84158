package dev.spillway.spill;

/**
 * Takes (key, value) pairs of byte ranges, valid only during the call: copy what must outlive it.
 */
@FunctionalInterface
public interface RecordSink {
  void accept(
      byte[] key, int keyOffset, int keyLength, byte[] value, int valueOffset, int valueLength);
}
