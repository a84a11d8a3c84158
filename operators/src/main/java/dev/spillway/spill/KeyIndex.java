package dev.spillway.spill;

import java.util.Arrays;

/**
 * An open-addressing hash table from encoded keys to dense entry ids {@code 0..size-1}; the
 * owner keeps what an entry holds (an accumulator, a value list) in arrays indexed by id, grown
 * through {@link Columns}. Keys live in a {@link ByteArena}; the table itself is a handful of
 * primitive arrays, so the hot path makes no object per record.
 *
 * <p>Linear probing at a load factor of at most one half; a probe compares the stored 32-bit hash
 * first and the key's bytes second, so colliding hashes never merge different keys.
 *
 * <p>Memory: {@link #BYTES_PER_ENTRY} bytes per entry of capacity (slots at two per entry, the
 * hash, the key's address and length, and two longs for sorting), counted as the arrays grow,
 * plus the owner's {@link Columns#bytesPerEntry()}.
 */
final class KeyIndex {
  /** Owner arrays that grow with the index. */
  interface Columns {
    long bytesPerEntry();

    void resize(int capacity);
  }

  static final int NO_MEMORY = Integer.MIN_VALUE;
  static final long BYTES_PER_ENTRY = 2 * 4 + 4 + 8 + 4 + 8 + 8;
  private static final int INITIAL_CAPACITY = 256;
  private static final int MAX_CAPACITY = 1 << 29;

  private final ByteArena arena;
  private final MemoryReservation reservation;
  private final KeyHasher hasher;
  private final Columns columns;

  private int[] slots;
  private int mask;
  private int[] hashes;
  private long[] keyAddress;
  private int[] keyLength;
  /** Scratch for {@link #sortByHash}: packed (hash, id) and the radix sort's second buffer. */
  private long[] order;
  private long[] scratch;
  private int capacity;
  private int size;
  private long seed;

  KeyIndex(ByteArena arena, MemoryReservation reservation, KeyHasher hasher, Columns columns) {
    this.arena = arena;
    this.reservation = reservation;
    this.hasher = hasher;
    this.columns = columns;
    reservation.reserve(bytesFor(INITIAL_CAPACITY));
    allocate(INITIAL_CAPACITY);
  }

  private long bytesFor(int entries) {
    return entries * (BYTES_PER_ENTRY + columns.bytesPerEntry());
  }

  private void allocate(int entries) {
    capacity = entries;
    slots = new int[entries * 2];
    Arrays.fill(slots, -1);
    mask = slots.length - 1;
    hashes = Arrays.copyOf(hashes == null ? new int[0] : hashes, entries);
    keyAddress = Arrays.copyOf(keyAddress == null ? new long[0] : keyAddress, entries);
    keyLength = Arrays.copyOf(keyLength == null ? new int[0] : keyLength, entries);
    order = new long[entries];
    scratch = new long[entries];
    columns.resize(entries);
  }

  /** Empties the index for keys hashed under {@code newSeed}; the arena is reset by the owner. */
  void reset(long newSeed) {
    if (size > 0) {
      Arrays.fill(slots, -1);
    }
    size = 0;
    seed = newSeed;
  }

  long seed() {
    return seed;
  }

  int size() {
    return size;
  }

  /** The bytes of the index's arrays and the owner's columns. */
  long bytes() {
    return bytesFor(capacity);
  }

  int hash(byte[] key, int offset, int length) {
    return hasher.hash(key, offset, length, seed);
  }

  /**
   * The id of the key, if present, or its new id encoded as {@code -id - 1} after inserting it,
   * or {@link #NO_MEMORY} if growing the table or storing the key was refused (nothing changed).
   */
  int findOrInsert(byte[] key, int offset, int length, int hash) {
    int slot = hash & mask;
    while (true) {
      int id = slots[slot];
      if (id < 0) {
        break;
      }
      if (hashes[id] == hash && keyEquals(id, key, offset, length)) {
        return id;
      }
      slot = (slot + 1) & mask;
    }
    if (size == capacity) {
      if (!grow()) {
        return NO_MEMORY;
      }
      return findOrInsert(key, offset, length, hash);
    }
    long address = arena.allocate(length);
    if (address == ByteArena.NO_MEMORY) {
      return NO_MEMORY;
    }
    System.arraycopy(key, offset, arena.page(address), arena.offset(address), length);
    int id = size++;
    hashes[id] = hash;
    keyAddress[id] = address;
    keyLength[id] = length;
    slots[slot] = id;
    return -id - 1;
  }

  private boolean keyEquals(int id, byte[] key, int offset, int length) {
    if (keyLength[id] != length) {
      return false;
    }
    long address = keyAddress[id];
    return Bytes.equal(arena.page(address), arena.offset(address), length, key, offset, length);
  }

  private boolean grow() {
    if (capacity >= MAX_CAPACITY) {
      return false;
    }
    int newCapacity = capacity * 2;
    if (!reservation.tryReserve(bytesFor(newCapacity) - bytesFor(capacity))) {
      return false;
    }
    allocate(newCapacity);
    for (int id = 0; id < size; id++) {
      int slot = hashes[id] & mask;
      while (slots[slot] >= 0) {
        slot = (slot + 1) & mask;
      }
      slots[slot] = id;
    }
    return true;
  }

  /** Re-hashes every entry under a new seed (before a spill into the next level). */
  void rehash(long newSeed) {
    seed = newSeed;
    Arrays.fill(slots, -1);
    for (int id = 0; id < size; id++) {
      int h = hasher.hash(keyArray(id), keyOffset(id), keyLength[id], newSeed);
      hashes[id] = h;
      int slot = h & mask;
      while (slots[slot] >= 0) {
        slot = (slot + 1) & mask;
      }
      slots[slot] = id;
    }
  }

  int hashOf(int id) {
    return hashes[id];
  }

  byte[] keyArray(int id) {
    return arena.page(keyAddress[id]);
  }

  int keyOffset(int id) {
    return arena.offset(keyAddress[id]);
  }

  int keyLength(int id) {
    return keyLength[id];
  }

  /**
   * The ids ordered by unsigned hash, then by key bytes: the order of spilled segments, in which
   * equal keys of different spills meet. Returns packed {@code (hash << 32 | id)} values; the
   * low 32 bits of element i are the id. Valid until the next change.
   */
  long[] sortByHash() {
    for (int id = 0; id < size; id++) {
      order[id] = ((long) hashes[id] << 32) | id;
    }
    RadixSort.sort(order, null, size, scratch, null, 4, 8);
    // Equal hashes are rare; order their run by key bytes.
    int runStart = 0;
    for (int i = 1; i <= size; i++) {
      if (i == size || (order[i] >>> 32) != (order[runStart] >>> 32)) {
        if (i - runStart > 1) {
          sortByKey(runStart, i);
        }
        runStart = i;
      }
    }
    return order;
  }

  private void sortByKey(int from, int to) {
    // A merge sort on the packed values, comparing their ids' keys; scratch is free here.
    if (to - from <= 16) {
      for (int i = from + 1; i < to; i++) {
        long v = order[i];
        int j = i - 1;
        while (j >= from && compareKeys((int) order[j], (int) v) > 0) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = v;
      }
      return;
    }
    int mid = (from + to) >>> 1;
    sortByKey(from, mid);
    sortByKey(mid, to);
    System.arraycopy(order, from, scratch, from, to - from);
    int i = from;
    int j = mid;
    int k = from;
    while (i < mid && j < to) {
      order[k++] = compareKeys((int) scratch[i], (int) scratch[j]) <= 0 ? scratch[i++] : scratch[j++];
    }
    while (i < mid) {
      order[k++] = scratch[i++];
    }
    while (j < to) {
      order[k++] = scratch[j++];
    }
  }

  private int compareKeys(int a, int b) {
    return Bytes.compare(keyArray(a), keyOffset(a), keyLength[a],
        keyArray(b), keyOffset(b), keyLength[b]);
  }
}
