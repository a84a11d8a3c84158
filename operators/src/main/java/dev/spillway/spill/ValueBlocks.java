package dev.spillway.spill;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A key's values kept in a {@link ByteArena} as a linked list of blocks, each {@code [next block
 * address: 8][capacity: 4][used: 4]} followed by values {@code [length: varint][bytes]} back to
 * back. A key's next block is twice the size of its last (up to {@link #MAX_BLOCK}), so reading a
 * key's values is a sequential walk with one jump per block. A chain of one node per value, which
 * this replaced, cost a dependent cache miss per value when many keys' values interleave in arrival
 * order (the group table's spill and output), and eight bytes of link per value. Shared by the
 * group table (a list per key) and {@link SpillableValues} (one list).
 */
final class ValueBlocks {
  static final long END = -1;

  static final int HEADER = 16;

  /** The largest block made for small values; a larger value gets a block its own size. */
  static final int MAX_BLOCK = 4096;

  private static final int MIN_BLOCK = 32;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private ValueBlocks() {}

  /**
   * Appends a value after the block {@code tail} (or starts a list if {@code tail} is {@link
   * #END}); returns the list's tail block afterwards, or {@link ByteArena#NO_MEMORY} if a new block
   * was needed and refused (nothing was added).
   */
  static long append(ByteArena arena, long tail, byte[] value, int offset, int length) {
    int need = Varint.size(length) + length;
    // A key's first block fits its first value exactly (most keys of a high-cardinality group have
    // one value); later blocks double from MIN_BLOCK up to MAX_BLOCK.
    int capacity = need;
    if (tail != END) {
      byte[] page = arena.page(tail);
      int p = arena.offset(tail);
      int previous = (int) INTS.get(page, p + 8);
      int used = (int) INTS.get(page, p + 12);
      if (previous - used >= need) {
        write(page, p + HEADER + used, value, offset, length);
        INTS.set(page, p + 12, used + need);
        return tail;
      }
      capacity = Math.max(need, Math.min(MAX_BLOCK - HEADER, Math.max(MIN_BLOCK, 2 * previous)));
    }
    long block = arena.allocate(HEADER + capacity);
    if (block == ByteArena.NO_MEMORY) {
      return block;
    }
    byte[] page = arena.page(block);
    int p = arena.offset(block);
    LONGS.set(page, p, END);
    INTS.set(page, p + 8, capacity);
    INTS.set(page, p + 12, need);
    write(page, p + HEADER, value, offset, length);
    if (tail != END) {
      LONGS.set(arena.page(tail), arena.offset(tail), block);
    }
    return block;
  }

  private static void write(byte[] page, int p, byte[] value, int offset, int length) {
    p = Varint.put(page, p, length);
    Bytes.copy(value, offset, page, p, length);
  }

  /** A cursor over the values of the list starting at block {@code head}. */
  static final class Cursor extends LengthPrefixedValues {
    private final ByteArena arena;
    private long nextBlock;
    private byte[] page;
    private int pos;
    private int end;

    Cursor(ByteArena arena, long head) {
      this.arena = arena;
      this.nextBlock = head;
    }

    @Override
    public boolean next() {
      while (pos >= end) {
        if (nextBlock == END) {
          return false;
        }
        page = arena.page(nextBlock);
        int p = arena.offset(nextBlock);
        nextBlock = (long) LONGS.get(page, p);
        pos = p + HEADER;
        end = pos + (int) INTS.get(page, p + 12);
      }
      pos = readAt(page, pos);
      return true;
    }
  }
}
