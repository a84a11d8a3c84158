package dev.spillway.spill;

import java.util.List;

/**
 * The groups of one spilled partition that fits in memory, found by sorting instead of probing: its
 * segments are copied into an arena (a record's key once, then each of its values), each value's
 * address is paired with its key's 32-bit hash, and the pairs are radix-sorted by hash, stably. A
 * key's values then lie together, in arrival order, and are walked in that order.
 *
 * <p>Why not the group table: loading a partition of 170,000 values into the table costs several
 * dependent cache misses per value (the slot, the key's bytes, the key's entry, the tail block),
 * about 90 ns a value here. Copying and sorting touch memory in order, as Spark's sort-based
 * aggregation trades its hash map for a sort.
 *
 * <p>Equal hashes of different keys are told apart while walking a run of equal hashes, by the
 * keys' heads ({@link #keys}) and, for keys longer than a head, their bytes; such a run is
 * reordered (stably) so that each key's values come out together.
 *
 * <p>Memory: the arena's pages and the sort's arrays (32 bytes a value and 24 a record), reserved
 * before they are made, kept across partitions and returned by {@link #release}. A load that is
 * refused memory stops and reports it; the caller then merges the partition another way.
 */
final class HashOrderedGroups {
  /** Bytes of arrays per value: the sort keys, the value addresses, and a scratch copy of each. */
  private static final int BYTES_PER_VALUE = 32;

  /** Bytes of arrays per record: its key's address and head ({@link #keys}). */
  private static final int BYTES_PER_RECORD = 24;

  /** Longs per record in {@link #keys}. */
  private static final int KEY_LONGS = 3;

  /** The longest key whose head holds all of it. */
  private static final int HEAD_BYTES = 15;

  private final EngineResources resources;
  private final KeyHasher hasher;
  private final long seed;
  private final ByteArena arena;

  /** {@code hash << 32 | record}, sorted; {@code record} indexes {@link #keys}. */
  private long[] order = new long[0];

  /** The address of each value, {@code [length: varint][bytes]}, moved with {@link #order}. */
  private long[] valueAddress = new long[0];

  private long[] scratchOrder = new long[0];
  private long[] scratchValues = new long[0];

  /**
   * Three longs per record: the address of its key's {@code [length: varint][bytes]} in the arena,
   * then its head: the key's first eight bytes, and its next seven with its length (capped at 255)
   * in the top byte. Walking a run of equal hashes compares every value's key with the run's first;
   * the heads, side by side with the address, settle that without reading the arena for keys of at
   * most {@value #HEAD_BYTES} bytes, and tell most unequal keys apart for longer ones.
   */
  private long[] keys = new long[0];

  private long arrayBytes;

  private int size;
  private int next;
  private int groupStart;
  private int groupEnd;

  HashOrderedGroups(EngineResources resources, KeyHasher hasher, long seed) {
    this.resources = resources;
    this.hasher = hasher;
    this.seed = seed;
    this.arena = new ByteArena(resources.reservation, resources.plan.pageBytes());
  }

  /**
   * The most memory a load takes, whatever the budget: a bigger partition goes through the table
   * (where a hot key's values are appended in order). The first touch of a bigger load's fresh
   * arrays, and its sort's scatter over more memory than the TLB covers, cost more than they save:
   * the skew workload's hot partition (5M values) at a 340 MiB budget came out in 1.62 s loaded
   * here and in 1.01 s through the table (first runs; 0.83 and 0.72 s warm).
   */
  static final long MAX_LOAD_BYTES = 64L << 20;

  /** Whether {@link #load} of these segments takes at most {@code available} bytes and the cap. */
  static boolean fits(List<SegmentLocation> segments, int pageBytes, long available) {
    return loadedSize(segments, pageBytes) <= Math.min(available, MAX_LOAD_BYTES);
  }

  /** An upper bound of the memory {@link #load} takes for these segments. */
  private static long loadedSize(List<SegmentLocation> segments, int pageBytes) {
    long bytes = pageBytes;
    for (SegmentLocation s : segments) {
      // The arena holds less than the raw blocks: a key and each value with a varint length
      // each, where the segment's records also carry field tags and lengths.
      bytes += s.rawBytes() + BYTES_PER_VALUE * s.pairs() + BYTES_PER_RECORD * s.records();
    }
    return bytes;
  }

  /**
   * Loads the segments and sorts their values by key hash; false if memory was refused (nothing is
   * held then but the arrays, which {@link #release} returns).
   */
  boolean load(List<SegmentLocation> segments) {
    clear();
    long values = 0;
    long records = 0;
    for (SegmentLocation s : segments) {
      values += s.pairs();
      records += s.records();
    }
    if (values > Integer.MAX_VALUE - 8 || records > Integer.MAX_VALUE - 8) {
      return false;
    }
    if (!ensureArrays((int) values, (int) records)) {
      return false;
    }
    int record = -1;
    int hash = 0;
    for (SegmentLocation segment : segments) {
      try (SegmentReader reader = resources.open(segment)) {
        while (reader.next()) {
          if (!reader.sameKey()) {
            int kl = reader.keyLength();
            long key = arena.copyLengthPrefixed(reader.keyArray(), reader.keyOffset(), kl);
            if (key == ByteArena.NO_MEMORY) {
              clear();
              return false;
            }
            byte[] k = reader.keyArray();
            int ko = reader.keyOffset();
            int at = KEY_LONGS * ++record;
            keys[at] = key;
            keys[at + 1] = Bytes.prefix(k, ko, kl);
            keys[at + 2] = Bytes.prefix(k, ko + 8, kl - 8) >>> 8 | (long) Math.min(kl, 255) << 56;
            hash = hasher.hash(k, ko, kl, seed);
          }
          long value =
              arena.copyLengthPrefixed(
                  reader.valueArray(), reader.valueOffset(), reader.valueLength());
          if (value == ByteArena.NO_MEMORY) {
            clear();
            return false;
          }
          order[size] = (long) hash << 32 | record;
          valueAddress[size] = value;
          size++;
        }
      }
    }
    RadixSort.sort(order, valueAddress, size, scratchOrder, scratchValues, 4, 8);
    return true;
  }

  private boolean ensureArrays(int values, int records) {
    if (values <= order.length && records <= keys.length / KEY_LONGS) {
      return true;
    }
    int v = Math.max(values, order.length);
    int r = Math.max(records, keys.length / KEY_LONGS);
    long bytes = (long) BYTES_PER_VALUE * v + (long) BYTES_PER_RECORD * r;
    if (!resources.reservation.tryReserve(bytes - arrayBytes)) {
      return false;
    }
    // Dropped before the new arrays are made, so that the heap never holds both.
    order = valueAddress = scratchOrder = scratchValues = keys = null;
    order = new long[v];
    valueAddress = new long[v];
    scratchOrder = new long[v];
    scratchValues = new long[v];
    keys = new long[KEY_LONGS * r];
    arrayBytes = bytes;
    return true;
  }

  /** Moves to the next key's values; false after the last. */
  boolean next() {
    if (next >= size) {
      return false;
    }
    int start = next;
    int hash = (int) (order[start] >>> 32);
    int end = start + 1;
    int record = (int) order[start];
    int others = 0;
    while (end < size && (int) (order[end] >>> 32) == hash) {
      int r = (int) order[end];
      if (r != record && !sameKey(r, record)) {
        others++;
      }
      end++;
    }
    if (others > 0) {
      end = gatherKey(start, end, record);
    }
    groupStart = start;
    groupEnd = end;
    next = end;
    return true;
  }

  /**
   * Reorders {@code [start, end)}, a run of equal hashes holding more than one key, so that the
   * values of {@code record}'s key come first, each side keeping its order; returns where they end.
   */
  private int gatherKey(int start, int end, int record) {
    int mine = start;
    int rest = 0;
    for (int i = start; i < end; i++) {
      int r = (int) order[i];
      if (r == record || sameKey(r, record)) {
        order[mine] = order[i];
        valueAddress[mine] = valueAddress[i];
        mine++;
      } else {
        scratchOrder[rest] = order[i];
        scratchValues[rest] = valueAddress[i];
        rest++;
      }
    }
    System.arraycopy(scratchOrder, 0, order, mine, rest);
    System.arraycopy(scratchValues, 0, valueAddress, mine, rest);
    return mine;
  }

  /** Whether two records' keys are equal: their heads, then if need be their bytes, are. */
  private boolean sameKey(int a, int b) {
    int i = KEY_LONGS * a;
    int j = KEY_LONGS * b;
    if (keys[i + 1] != keys[j + 1] || keys[i + 2] != keys[j + 2]) {
      return false;
    }
    if ((keys[i + 2] >>> 56) <= HEAD_BYTES) {
      return true; // equal lengths, and the heads hold every byte
    }
    long x = keys[i];
    long y = keys[j];
    int length = arena.prefixedLength(x);
    int entry = Varint.size(length) + length;
    return length == arena.prefixedLength(y)
        && Bytes.equal(
            arena.page(x), arena.offset(x), entry, arena.page(y), arena.offset(y), entry);
  }

  /** The arena address of the current key's entry. */
  private long currentKey() {
    return keys[KEY_LONGS * (int) order[groupStart]];
  }

  /** The current key's bytes: {@code keyArray()[keyOffset(), keyOffset() + keyLength())}. */
  byte[] keyArray() {
    return arena.page(currentKey());
  }

  int keyOffset() {
    return arena.prefixedOffset(currentKey());
  }

  int keyLength() {
    return arena.prefixedLength(currentKey());
  }

  /** The current key's values; valid until {@link #next} or {@link #load}. */
  GroupValues values() {
    int start = groupStart;
    int end = groupEnd;
    return new GroupValues() {
      @Override
      public long count() {
        return end - start;
      }

      @Override
      public ValueCursor cursor() {
        return new Values(start, end);
      }
    };
  }

  private final class Values extends LengthPrefixedValues {
    private int at;
    private final int end;

    Values(int start, int end) {
      this.at = start;
      this.end = end;
    }

    @Override
    public boolean next() {
      if (at >= end) {
        return false;
      }
      long address = valueAddress[at++];
      readAt(arena.page(address), arena.offset(address));
      return true;
    }
  }

  /** Forgets the loaded partition and returns the arena's pages; the arrays are kept. */
  void clear() {
    arena.reset();
    size = 0;
    next = 0;
  }

  /** Returns every byte: the arena's pages and the arrays. */
  void release() {
    clear();
    order = valueAddress = scratchOrder = scratchValues = keys = new long[0];
    resources.reservation.release(arrayBytes);
    arrayBytes = 0;
  }
}
