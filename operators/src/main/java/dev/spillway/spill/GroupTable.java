package dev.spillway.spill;

import java.util.Arrays;

/**
 * The in-memory state of an {@link ExternalGroupBy}: a {@link KeyIndex} whose entries hold the
 * head, tail and count of a {@link ValueChain} in the same arena as the keys.
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
    boolean fresh = id < 0;
    if (fresh) {
      id = -id - 1;
      heads[id] = ValueChain.END;
      counts[id] = 0;
    }
    long address = ValueChain.store(arena, value, vOff, vLen);
    if (address == ByteArena.NO_MEMORY) {
      return false; // a fresh key stays with no values; spills skip it
    }
    if (heads[id] == ValueChain.END) {
      heads[id] = address;
    } else {
      ValueChain.link(arena, tails[id], address);
    }
    tails[id] = address;
    counts[id]++;
    return true;
  }

  long count(int id) {
    return counts[id];
  }

  ValueCursor values(int id) {
    return new ValueChain.Cursor(arena, heads[id]);
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
