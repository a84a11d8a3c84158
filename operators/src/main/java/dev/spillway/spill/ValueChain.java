package dev.spillway.spill;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Values kept in a {@link ByteArena} as a singly linked chain of records {@code [next address: 8
 * bytes][length: varint][bytes]}, so that a key's values need no object each. Shared by the group
 * table (a chain per key) and {@link SpillableValues} (one chain).
 */
final class ValueChain {
  static final long END = -1;

  /** One 8-byte access for a link (a loop over bytes compiles to eight on Java 17). */
  private static final VarHandle LINKS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private ValueChain() {}

  /** The arena bytes one value takes. */
  static int recordSize(int valueLength) {
    return 8 + Varint.size(valueLength) + valueLength;
  }

  /** Stores a value; returns its address, or {@link ByteArena#NO_MEMORY}. */
  static long store(ByteArena arena, byte[] value, int offset, int length) {
    long address = arena.allocate(recordSize(length));
    if (address == ByteArena.NO_MEMORY) {
      return address;
    }
    byte[] page = arena.page(address);
    int p = arena.offset(address);
    putLong(page, p, END);
    p = Varint.put(page, p + 8, length);
    System.arraycopy(value, offset, page, p, length);
    return address;
  }

  /** Links {@code next} after {@code tail}. */
  static void link(ByteArena arena, long tail, long next) {
    putLong(arena.page(tail), arena.offset(tail), next);
  }

  private static void putLong(byte[] b, int p, long v) {
    LINKS.set(b, p, v);
  }

  private static long getLong(byte[] b, int p) {
    return (long) LINKS.get(b, p);
  }

  /** A cursor over the chain starting at {@code head}. */
  static final class Cursor implements ValueCursor {
    private final ByteArena arena;
    private long next;
    private byte[] page;
    private int offset;
    private int length;

    Cursor(ByteArena arena, long head) {
      this.arena = arena;
      this.next = head;
    }

    @Override
    public boolean next() {
      if (next == END) {
        return false;
      }
      page = arena.page(next);
      int p = arena.offset(next);
      next = getLong(page, p);
      p += 8;
      int len = Varint.get(page, p);
      offset = p + Varint.size(len);
      length = len;
      return true;
    }

    @Override
    public byte[] array() {
      return page;
    }

    @Override
    public int offset() {
      return offset;
    }

    @Override
    public int length() {
      return length;
    }
  }
}
