package dev.spillway.spill;

import java.util.Arrays;

/**
 * An open-addressing hash table from encoded keys to dense entry ids {@code 0..size-1}; the owner
 * keeps what an entry holds (an accumulator, a value chain) in arrays indexed by id, grown through
 * {@link Columns}. Keys live in a {@link ByteArena} as {@code [length: varint][bytes]}; the table
 * itself is a few primitive arrays, so the hot path makes no object per record.
 *
 * <p>Linear probing at a load factor of at most one half. A slot packs the key's 32-bit hash with
 * its id, so a probe that meets another key usually rejects it without leaving the slot array;
 * equal hashes are confirmed by comparing the key's bytes, so colliding hashes never merge
 * different keys.
 *
 * <p>Memory: {@link #BYTES_PER_ENTRY} bytes per entry of capacity (two 8-byte slots, the hash, the
 * key's address and a spill-order scratch int), counted as the arrays grow, plus the owner's {@link
 * Columns#bytesPerEntry()}; the keys are counted by the arena.
 */
final class KeyIndex {
  /** Owner arrays that grow with the index. */
  interface Columns {
    long bytesPerEntry();

    void resize(int capacity);
  }

  static final int NO_MEMORY = Integer.MIN_VALUE;
  static final long BYTES_PER_ENTRY = 2 * 8 + 4 + 8 + 4;
  private static final int INITIAL_CAPACITY = 256;
  private static final int MAX_CAPACITY = 1 << 29;

  private final ByteArena arena;
  private final MemoryReservation reservation;
  private final KeyHasher hasher;
  private final Columns columns;

  /** {@code hash << 32 | (id + 1)}, or 0 for an empty slot. */
  private long[] slots;

  /**
   * The slots in use are {@code [0, mask]}: after a reset the index starts small again inside its
   * arrays and doubles as it fills, so that merging a small partition probes a cache-sized range.
   */
  private int mask;

  private int[] hashes;
  private long[] keyAddress;

  /** Ids grouped by partition, for spilling; see {@link #partitionOrder}. */
  private int[] order;

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
    slots = new long[entries * 2];
    mask = slots.length - 1;
    hashes = Arrays.copyOf(hashes == null ? new int[0] : hashes, entries);
    keyAddress = Arrays.copyOf(keyAddress == null ? new long[0] : keyAddress, entries);
    order = new int[entries];
    columns.resize(entries);
  }

  /** Empties the index for keys hashed under {@code newSeed}; the arena is reset by the owner. */
  void reset(long newSeed) {
    if (size > 0) {
      Arrays.fill(slots, 0, mask + 1, 0L);
    }
    size = 0;
    seed = newSeed;
    mask = Math.min(slots.length, 2 * INITIAL_CAPACITY) - 1;
  }

  int size() {
    return size;
  }

  /** Empties the index and gives back all but its initial arrays' memory. */
  void shrink() {
    size = 0;
    if (capacity > INITIAL_CAPACITY) {
      long freed = bytesFor(capacity) - bytesFor(INITIAL_CAPACITY);
      hashes = null;
      keyAddress = null;
      allocate(INITIAL_CAPACITY);
      reservation.release(freed);
    } else {
      Arrays.fill(slots, 0L);
    }
  }

  /** The bytes of the index's arrays and the owner's columns. */
  long bytes() {
    return bytesFor(capacity);
  }

  int hash(byte[] key, int offset, int length) {
    return hasher.hash(key, offset, length, seed);
  }

  /**
   * The id of the key, if present, or its new id encoded as {@code -id - 1} after inserting it, or
   * {@link #NO_MEMORY} if growing the table or storing the key was refused (nothing changed).
   */
  int findOrInsert(byte[] key, int offset, int length, int hash) {
    long tag = (long) hash << 32;
    int slot = hash & mask;
    while (true) {
      long s = slots[slot];
      if (s == 0) {
        break;
      }
      if ((s & 0xFFFFFFFF00000000L) == tag) {
        int id = (int) s - 1;
        if (keyEquals(id, key, offset, length)) {
          return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    if (2 * size >= mask + 1) {
      if (mask + 1 < slots.length) {
        widen();
      } else if (!grow()) {
        return NO_MEMORY;
      }
      return findOrInsert(key, offset, length, hash);
    }
    long address = arena.copyLengthPrefixed(key, offset, length);
    if (address == ByteArena.NO_MEMORY) {
      return NO_MEMORY;
    }
    int id = size++;
    hashes[id] = hash;
    keyAddress[id] = address;
    slots[slot] = tag | (id + 1);
    return -id - 1;
  }

  private boolean keyEquals(int id, byte[] key, int offset, int length) {
    long address = keyAddress[id];
    byte[] page = arena.page(address);
    int p = arena.offset(address);
    int stored = page[p];
    if (stored < 0) {
      stored = Varint.get(page, p);
      p += Varint.size(stored);
    } else {
      p++;
    }
    return stored == length && Bytes.equal(page, p, length, key, offset, length);
  }

  private boolean grow() {
    if (capacity >= MAX_CAPACITY) {
      return false;
    }
    int newCapacity = capacity * 2;
    if (!reservation.tryReserve(bytesFor(newCapacity) - bytesFor(capacity))) {
      return false;
    }
    long[] old = slots;
    allocate(newCapacity);
    for (long s : old) {
      if (s != 0) {
        place(s);
      }
    }
    return true;
  }

  /** Doubles the slots in use, within the arrays already allocated. */
  private void widen() {
    mask = mask * 2 + 1;
    Arrays.fill(slots, 0, mask + 1, 0L);
    for (int id = 0; id < size; id++) {
      place(((long) hashes[id] << 32) | (id + 1));
    }
  }

  private void place(long s) {
    int slot = (int) (s >>> 32) & mask;
    while (slots[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    slots[slot] = s;
  }

  /** Re-hashes every entry under a new seed (before a spill into the next level). */
  void rehash(long newSeed) {
    seed = newSeed;
    Arrays.fill(slots, 0, mask + 1, 0L);
    for (int id = 0; id < size; id++) {
      int h = hasher.hash(keyArray(id), keyOffset(id), keyLength(id), newSeed);
      hashes[id] = h;
      place(((long) h << 32) | (id + 1));
    }
  }

  byte[] keyArray(int id) {
    return arena.page(keyAddress[id]);
  }

  int keyOffset(int id) {
    return arena.prefixedOffset(keyAddress[id]);
  }

  int keyLength(int id) {
    return arena.prefixedLength(keyAddress[id]);
  }

  /**
   * Groups the ids by partition, keeping insertion order within each, so a spill walks each
   * partition's entries in the order they lie in memory. Fills {@code starts} ({@code partitions +
   * 1} long) with where each partition begins; returns the ids.
   */
  int[] partitionOrder(int partitions, int[] starts) {
    HashPartitions.order(hashes, size, partitions, starts, order);
    return order;
  }
}
