package dev.spillway.spill;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Hashes an encoded key to 32 bits under a seed. The hash is a pure function of the bytes and the
 * seed, so it is the same in every JVM, bundle and run (unlike {@code Object.hashCode()}); the
 * engine uses a new seed at every level of recursive repartitioning.
 *
 * <p>Equal hashes never make keys equal: the engine always compares the bytes as well.
 */
@FunctionalInterface
public interface KeyHasher {

  int hash(byte[] key, int offset, int length, long seed);

  /**
   * The default: each 64-bit word folded in by a multiply and a rotation (xxHash's round), the
   * result mixed by the SplitMix64 finalizer, top 32 bits kept.
   */
  KeyHasher DEFAULT = SplitMixHasher.INSTANCE;

  /** Mixes 64 bits (the SplitMix64 finalizer); also used to derive per-level seeds. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The default hasher's implementation. */
  final class SplitMixHasher implements KeyHasher {
    static final SplitMixHasher INSTANCE = new SplitMixHasher();
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long PRIME_1 = 0x9E3779B185EBCA87L;
    private static final long PRIME_2 = 0xC2B2AE3D27D4EB4FL;
    private static final VarHandle LONGS =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private SplitMixHasher() {}

    @Override
    public int hash(byte[] key, int offset, int length, long seed) {
      long h = seed + (length + 1) * GOLDEN;
      int i = offset;
      int end = offset + length;
      for (; i + 8 <= end; i += 8) {
        h = Long.rotateLeft(h ^ ((long) LONGS.get(key, i) * PRIME_2), 31) * PRIME_1;
      }
      if (i < end) {
        long tail = 0;
        for (int shift = 0; i < end; i++, shift += 8) {
          tail |= (key[i] & 0xFFL) << shift;
        }
        h = Long.rotateLeft(h ^ (tail * PRIME_2), 31) * PRIME_1;
      }
      return (int) (mix64(h) >>> 32);
    }
  }
}
