package dev.spillway.spill;

import java.util.List;

/**
 * The groups of one spilled partition that fits in memory, found by sorting instead of probing, one
 * cache-sized bucket at a time: the partition is loaded into {@link HashBuckets}, and the output
 * takes one bucket at a time, pairs each value's position with its key's hash and number,
 * radix-sorts the pairs by hash, stably, and walks them. A key's values then lie together, in
 * arrival order.
 *
 * <p>Why not the group table: loading a partition of 170,000 values into the table costs several
 * dependent cache misses per value (the slot, the key's bytes, the key's entry, the tail block),
 * about 90 ns a value here. Copying and sorting touch memory in order, as Spark's sort-based
 * aggregation trades its hash map for a sort; and sorting a bucket rather than the whole partition
 * keeps the walk's key comparisons and value reads in the caches too.
 *
 * <p>Equal hashes of different keys are told apart while walking a run of equal hashes, by their
 * keys' bytes; such a run is reordered (stably) so that each key's values come out together.
 *
 * <p>Memory: the buckets' pages, and the arrays of the largest bucket (32 bytes a value and 12 a
 * key), reserved at the end of a load and kept across partitions until {@link #release}. A load
 * that is refused memory stops and reports it; the caller then merges the partition another way.
 */
final class HashOrderedGroups implements HashBuckets.Visitor {
  /** Bytes of the bucket arrays per value: the sorted pairs and a scratch copy of each. */
  private static final int ARRAY_BYTES_PER_VALUE = 32;

  /** Bytes of the bucket arrays per key: its entry's position and its hash. */
  private static final int ARRAY_BYTES_PER_KEY = 12;

  private final MemoryReservation reservation;
  private final HashBuckets buckets;
  private final long seed;

  /** The bucket the output walks; -1 before the first. */
  private int bucket = -1;

  private byte[][] pages;

  /** Of the walked bucket: {@code hash << 32 | key number}, sorted. */
  private long[] order = new long[0];

  /** Of the walked bucket: each value's position, moved with {@link #order}. */
  private long[] valuePosition = new long[0];

  private long[] scratchOrder = new long[0];
  private long[] scratchValues = new long[0];

  /** Of the walked bucket, by key number: the position of the key's entry. */
  private long[] keyPosition = new long[0];

  private int[] keyHash = new int[0];
  private final int[][] sortCounts = new int[4][256];
  private long arrayBytes;

  private int size;
  private int next;
  private int groupStart;
  private int groupEnd;

  HashOrderedGroups(EngineResources resources, KeyHasher hasher, long seed) {
    this.reservation = resources.reservation;
    this.buckets = new HashBuckets(resources, hasher);
    this.seed = seed;
  }

  /**
   * The most memory a load takes, whatever the budget: a bigger partition goes through the table
   * (where a hot key's values are appended in order). The first touch of a bigger load's fresh
   * memory costs more than the sort saves: the skew workload's hot partition (5M values) at a 340
   * MiB budget came out in 1.62 s loaded here and in 1.01 s through the table (first runs; 0.83 and
   * 0.72 s warm).
   */
  static final long MAX_LOAD_BYTES = 64L << 20;

  /** Whether {@link #load} of these segments takes at most {@code available} bytes and the cap. */
  static boolean fits(List<SegmentLocation> segments, int pageBytes, long available) {
    return loadedSize(segments, pageBytes) <= Math.min(available, MAX_LOAD_BYTES);
  }

  /**
   * An estimate of the memory {@link #load} takes: the buckets, and arrays for twice the average.
   */
  private static long loadedSize(List<SegmentLocation> segments, int pageBytes) {
    HashBuckets.Totals totals = HashBuckets.Totals.of(segments);
    long allArrays = ARRAY_BYTES_PER_VALUE * totals.values + ARRAY_BYTES_PER_KEY * totals.records;
    long arrays =
        Math.min(allArrays, 2 * allArrays / HashBuckets.bucketsFor(totals.rawBytes))
            + ARRAY_BYTES_PER_VALUE;
    return HashBuckets.loadedSize(totals, pageBytes) + arrays;
  }

  /**
   * Loads the segments into their buckets; false if memory was refused (nothing is held then but
   * the arrays, which {@link #release} returns).
   */
  boolean load(List<SegmentLocation> segments) {
    clear();
    if (!buckets.load(segments, seed) || !ensureArrays(buckets.mostValues(), buckets.mostKeys())) {
      clear();
      return false;
    }
    return true;
  }

  private boolean ensureArrays(int values, int keys) {
    if (values <= order.length && keys <= keyHash.length) {
      return true;
    }
    int v = Math.max(values, order.length);
    int k = Math.max(keys, keyHash.length);
    long bytes = (long) ARRAY_BYTES_PER_VALUE * v + (long) ARRAY_BYTES_PER_KEY * k;
    if (!reservation.tryReserve(bytes - arrayBytes)) {
      return false;
    }
    // Dropped before the new arrays are made, so that the heap never holds both.
    order = valuePosition = scratchOrder = scratchValues = keyPosition = null;
    keyHash = null;
    order = new long[v];
    valuePosition = new long[v];
    scratchOrder = new long[v];
    scratchValues = new long[v];
    keyPosition = new long[k];
    keyHash = new int[k];
    arrayBytes = bytes;
    return true;
  }

  /** Moves to the next key's values; false after the last. */
  boolean next() {
    while (next >= size) {
      if (bucket + 1 >= buckets.buckets()) {
        return false;
      }
      walk(++bucket);
    }
    int start = next;
    int hash = (int) (order[start] >>> 32);
    int end = start + 1;
    int key = (int) order[start];
    int others = 0;
    while (end < size && (int) (order[end] >>> 32) == hash) {
      int k = (int) order[end];
      if (k != key && !sameKey(k, key)) {
        others++;
      }
      end++;
    }
    if (others > 0) {
      end = gatherKey(start, end, key);
    }
    groupStart = start;
    groupEnd = end;
    next = end;
    return true;
  }

  /** Reads bucket {@code b} into the arrays and sorts its values by their keys' hashes. */
  private void walk(int b) {
    size = 0;
    next = 0;
    pages = buckets.pages();
    buckets.read(b, this);
    RadixSort.sort(order, valuePosition, size, scratchOrder, scratchValues, 4, 8, sortCounts);
  }

  @Override
  public void key(int number, int hash, long position) {
    keyHash[number] = hash;
    keyPosition[number] = position;
  }

  @Override
  public void value(int keyNumber, long position) {
    order[size] = (long) keyHash[keyNumber] << 32 | keyNumber;
    valuePosition[size] = position;
    size++;
  }

  /**
   * Reorders {@code [start, end)}, a run of equal hashes holding more than one key, so that the
   * values of {@code key} come first, each side keeping its order; returns where they end.
   */
  private int gatherKey(int start, int end, int key) {
    int mine = start;
    int rest = 0;
    for (int i = start; i < end; i++) {
      int k = (int) order[i];
      if (k == key || sameKey(k, key)) {
        order[mine] = order[i];
        valuePosition[mine] = valuePosition[i];
        mine++;
      } else {
        scratchOrder[rest] = order[i];
        scratchValues[rest] = valuePosition[i];
        rest++;
      }
    }
    System.arraycopy(scratchOrder, 0, order, mine, rest);
    System.arraycopy(scratchValues, 0, valuePosition, mine, rest);
    return mine;
  }

  /** Whether the walked bucket's keys {@code a} and {@code b} have the same bytes. */
  private boolean sameKey(int a, int b) {
    long x = keyPosition[a];
    long y = keyPosition[b];
    byte[] xPage = pages[(int) (x >>> 32)];
    byte[] yPage = pages[(int) (y >>> 32)];
    int length = HashBuckets.keyLength(xPage, x);
    return length == HashBuckets.keyLength(yPage, y)
        && Bytes.equal(
            xPage,
            HashBuckets.keyOffset(xPage, x),
            length,
            yPage,
            HashBuckets.keyOffset(yPage, y),
            length);
  }

  /** The position of the current key's entry in the walked bucket. */
  private long currentKey() {
    return keyPosition[(int) order[groupStart]];
  }

  /** The current key's bytes: {@code keyArray()[keyOffset(), keyOffset() + keyLength())}. */
  byte[] keyArray() {
    return pages[(int) (currentKey() >>> 32)];
  }

  int keyOffset() {
    return HashBuckets.keyOffset(keyArray(), currentKey());
  }

  int keyLength() {
    return HashBuckets.keyLength(keyArray(), currentKey());
  }

  /** The current key's values; valid until {@link #next} or {@link #load}. */
  GroupValues values() {
    byte[][] bucketPages = pages;
    int start = groupStart;
    int end = groupEnd;
    return new GroupValues() {
      @Override
      public long count() {
        return end - start;
      }

      @Override
      public ValueCursor cursor() {
        return new Values(bucketPages, start, end);
      }
    };
  }

  private final class Values extends LengthPrefixedValues {
    private final byte[][] pages;
    private int at;
    private final int end;

    Values(byte[][] pages, int start, int end) {
      this.pages = pages;
      this.at = start;
      this.end = end;
    }

    @Override
    public boolean next() {
      if (at >= end) {
        return false;
      }
      long position = valuePosition[at++];
      readAt(pages[(int) (position >>> 32)], (int) position);
      return true;
    }
  }

  /** Forgets the loaded partition and returns its pages; the arrays are kept. */
  void clear() {
    buckets.clear();
    bucket = -1;
    pages = null;
    size = 0;
    next = 0;
  }

  /** Returns every byte: the pages and the arrays. */
  void release() {
    clear();
    order = valuePosition = scratchOrder = scratchValues = keyPosition = new long[0];
    keyHash = new int[0];
    reservation.release(arrayBytes);
    arrayBytes = 0;
  }
}
