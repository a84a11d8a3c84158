package dev.spillway.spill;

import java.nio.ByteBuffer;
import java.util.Random;

/** Random keys and values for model-based tests, from a seeded generator. */
final class Keys {
  private Keys() {}

  /** One of {@code keySpace} keys, of 0..maxLength bytes, some sharing long prefixes. */
  static byte[] key(Random random, int keySpace, int maxLength) {
    int k = random.nextInt(keySpace);
    Random fromKey = new Random(k * 0x9E3779B97F4A7C15L);
    int length = fromKey.nextInt(maxLength + 1);
    byte[] key = new byte[length];
    fromKey.nextBytes(key);
    if (length >= 12 && (k & 1) == 0) {
      // A long common prefix, so that comparisons must look past eight bytes.
      for (int i = 0; i < 10; i++) {
        key[i] = 7;
      }
    }
    return key;
  }

  static byte[] value(Random random, int maxLength) {
    byte[] v = new byte[random.nextInt(maxLength + 1)];
    random.nextBytes(v);
    return v;
  }

  static ByteBuffer wrap(byte[] array, int offset, int length) {
    byte[] copy = new byte[length];
    System.arraycopy(array, offset, copy, 0, length);
    return ByteBuffer.wrap(copy);
  }
}
