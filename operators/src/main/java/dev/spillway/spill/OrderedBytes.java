package dev.spillway.spill;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Order-preserving encodings: the engine orders keys by their bytes compared as unsigned, so a
 * number must be encoded such that byte order equals numeric order.
 *
 * <pre>{@code
 * byte[] key = OrderedBytes.encodeLong(-5L);   // sorts before encodeLong(3L)
 * long back = OrderedBytes.decodeLong(key, 0); // -5
 * }</pre>
 */
public final class OrderedBytes {
  /** One 8-byte access (a loop over bytes compiles to eight loads or stores on Java 17). */
  private static final VarHandle BIG_ENDIAN_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private OrderedBytes() {}

  /**
   * Eight bytes, big-endian, sign bit flipped: ascending unsigned bytes = ascending signed longs.
   */
  public static byte[] encodeLong(long value) {
    byte[] out = new byte[8];
    putLong(value, out, 0);
    return out;
  }

  /** Writes {@link #encodeLong} into {@code out} at {@code offset}. */
  public static void putLong(long value, byte[] out, int offset) {
    putUnsignedLong(value ^ Long.MIN_VALUE, out, offset);
  }

  /** Reads what {@link #putLong} wrote. */
  public static long decodeLong(byte[] in, int offset) {
    return getUnsignedLong(in, offset) ^ Long.MIN_VALUE;
  }

  /** Eight bytes, big-endian: ascending unsigned bytes = ascending unsigned longs. */
  public static void putUnsignedLong(long value, byte[] out, int offset) {
    BIG_ENDIAN_LONGS.set(out, offset, value);
  }

  /** Reads what {@link #putUnsignedLong} wrote. */
  public static long getUnsignedLong(byte[] in, int offset) {
    return (long) BIG_ENDIAN_LONGS.get(in, offset);
  }
}
