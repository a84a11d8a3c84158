package dev.spillway.spill;

import java.util.Arrays;

/**
 * The in-memory state of an {@link ExternalGroupBy}: a {@link KeyIndex} whose entries hold the
 * first and last of a key's {@link ValueBlocks} and its value count, in the same arena as the keys.
 */
final class GroupTable implements KeyIndex.Columns {
  private final ByteArena arena;
  private final KeyIndex index;
  private long[] heads = new long[0];
  private long[] tails = new long[0];
  private long[] counts = new long[0];

  GroupTable(EngineResources resources) {
    this.arena = new ByteArena(resources.reservation, resources.plan.pageBytes());
    this.index = new KeyIndex(arena, resources.reservation, resources.config.hasher(), this);
  }

  @Override
  public long bytesPerEntry() {
    return 8 + 8 + 8;
  }

  @Override
  public void resize(int capacity) {
    heads = Arrays.copyOf(heads, capacity);
    tails = Arrays.copyOf(tails, capacity);
    counts = Arrays.copyOf(counts, capacity);
  }

  KeyIndex index() {
    return index;
  }

  int size() {
    return index.size();
  }

  /** Adds a value to its key; false if memory was refused (nothing was added: spill, retry). */
  boolean add(byte[] key, int kOff, int kLen, int hash, byte[] value, int vOff, int vLen) {
    int id = index.findOrInsert(key, kOff, kLen, hash);
    if (id == KeyIndex.NO_MEMORY) {
      return false;
    }
    if (id < 0) {
      id = -id - 1;
      heads[id] = ValueBlocks.END;
      tails[id] = ValueBlocks.END;
      counts[id] = 0;
    }
    long tail = ValueBlocks.append(arena, tails[id], value, vOff, vLen);
    if (tail == ByteArena.NO_MEMORY) {
      return false; // a fresh key stays with no values; spills skip it
    }
    if (heads[id] == ValueBlocks.END) {
      heads[id] = tail;
    }
    tails[id] = tail;
    counts[id]++;
    return true;
  }

  long count(int id) {
    return counts[id];
  }

  ValueCursor values(int id) {
    return new ValueBlocks.Cursor(arena, heads[id]);
  }

  /** Bytes of keys and values held (what a spill frees). */
  long recordBytes() {
    return arena.reservedBytes();
  }

  /** Empties the table and gives back its arrays' memory too (before a sorted merge). */
  void shrink(long seed) {
    reset(seed);
    index.shrink();
  }

  void reset(long seed) {
    index.reset(seed);
    arena.reset();
  }
}
