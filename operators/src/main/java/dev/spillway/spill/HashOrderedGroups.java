package dev.spillway.spill;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The groups of one spilled partition that fits in memory, found by sorting instead of probing, one
 * cache-sized bucket at a time.
 *
 * <p>Loading splits the partition again, by the low bits of each key's hash, into buckets of about
 * {@value #TARGET_BUCKET_BYTES} bytes: each record's key goes once, with its hash, to its bucket's
 * chain of small pages, and each value after it with the key's number in the bucket. The output
 * then takes one bucket at a time: it reads the bucket's chain front to back, pairing each value's
 * position with its key's hash and number, radix-sorts the pairs by hash, stably, and walks them. A
 * key's values then lie together, in arrival order.
 *
 * <p>Why buckets: sorting a whole partition's pairs and then walking them jumps across the whole
 * partition for every value, to compare its key with its run's and to read it, two cache misses a
 * value (a profile of the group workload put a third of the output there). A bucket's chain, its
 * pairs and its sort's counts all fit the CPU's caches, so the walk's reads stay in them; and the
 * loaded partition takes fewer bytes than the pairs of the whole did (no per-value arrays but the
 * bucket's).
 *
 * <p>Why not the group table: loading a partition of 170,000 values into the table costs several
 * dependent cache misses per value (the slot, the key's bytes, the key's entry, the tail block),
 * about 90 ns a value here. Copying and sorting touch memory in order, as Spark's sort-based
 * aggregation trades its hash map for a sort.
 *
 * <p>Equal hashes of different keys are told apart while walking a run of equal hashes, by their
 * keys' bytes (in the same bucket, so in the caches too); such a run is reordered (stably) so that
 * each key's values come out together.
 *
 * <p>A chain holds two kinds of entry, told apart by the low bit of the varint they start with:
 *
 * <ul>
 *   <li>a key: {@code [key length << 1: varint][hash: 4 bytes][key]};
 *   <li>a value: {@code [key number << 1 | 1: varint][value length: varint][value]}, the key number
 *       counting the bucket's keys from 0 in load order.
 * </ul>
 *
 * <p>Memory: the chains' pages, reserved before they are made, and the arrays of the largest bucket
 * (32 bytes a value and 12 a key), reserved at the end of a load and kept across partitions until
 * {@link #release}. A load that is refused memory stops and reports it; the caller then merges the
 * partition another way.
 */
final class HashOrderedGroups {
  /** About how many bytes a bucket's chain holds: its arrays and the chain fit an L2 cache. */
  private static final int TARGET_BUCKET_BYTES = 32 << 10;

  private static final int MAX_BUCKETS = 1 << 12;

  /** Small, so that a partly filled last chunk per bucket wastes little. */
  private static final int CHUNK_BYTES = 4 << 10;

  /** Bytes a chain adds to each value of the segments' records, at most: its varints. */
  private static final int BYTES_PER_VALUE = 10;

  /** Bytes a chain adds to each record's key, at most: its varint and hash. */
  private static final int BYTES_PER_RECORD = 9;

  /** Bytes of the bucket arrays per value: the sorted pairs and a scratch copy of each. */
  private static final int ARRAY_BYTES_PER_VALUE = 32;

  /** Bytes of the bucket arrays per key: its position and hash. */
  private static final int ARRAY_BYTES_PER_KEY = 12;

  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final EngineResources resources;
  private final MemoryReservation reservation;
  private final KeyHasher hasher;
  private final long seed;

  private Chain[] chains = new Chain[0];
  private int buckets;

  /** Per bucket of the load: how many keys it has. */
  private int[] keysIn = new int[0];

  private long chainBytes;

  /** The bucket the output walks; -1 before the first. */
  private int bucket;

  /** Of the walked bucket: {@code hash << 32 | key number}, sorted. */
  private long[] order = new long[0];

  /** Of the walked bucket: each value's position in the chain, moved with {@link #order}. */
  private long[] valuePosition = new long[0];

  private long[] scratchOrder = new long[0];
  private long[] scratchValues = new long[0];

  /** Of the walked bucket, by key number: the position of the key's entry in the chain. */
  private long[] keyPosition = new long[0];

  private int[] keyHash = new int[0];
  private final int[][] sortCounts = new int[4][256];
  private long arrayBytes;

  private int size;
  private int next;
  private int groupStart;
  private int groupEnd;

  HashOrderedGroups(EngineResources resources, KeyHasher hasher, long seed) {
    this.resources = resources;
    this.reservation = resources.reservation;
    this.hasher = hasher;
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
   * An estimate of the memory {@link #load} takes for these segments: the chains (at most the raw
   * blocks, whose records carry field tags and lengths the chains do not, plus the chains' varints
   * and a partly empty page per bucket), and the arrays of a bucket twice the average.
   */
  private static long loadedSize(List<SegmentLocation> segments, int pageBytes) {
    long raw = 0;
    long values = 0;
    long records = 0;
    for (SegmentLocation s : segments) {
      raw += s.rawBytes();
      values += s.pairs();
      records += s.records();
    }
    int buckets = bucketsFor(raw);
    long chains = raw + BYTES_PER_VALUE * values + BYTES_PER_RECORD * records;
    long allArrays = ARRAY_BYTES_PER_VALUE * values + ARRAY_BYTES_PER_KEY * records;
    long arrays = Math.min(allArrays, 2 * allArrays / buckets) + ARRAY_BYTES_PER_VALUE;
    return chains + (long) buckets * CHUNK_BYTES + pageBytes + arrays;
  }

  /** Buckets of about {@link #TARGET_BUCKET_BYTES} for this many raw bytes: a power of two. */
  private static int bucketsFor(long rawBytes) {
    return (int)
        Long.highestOneBit(Math.max(1, Math.min(MAX_BUCKETS, rawBytes / TARGET_BUCKET_BYTES)));
  }

  /**
   * Loads the segments into their buckets; false if memory was refused (nothing is held then but
   * the arrays, which {@link #release} returns).
   */
  boolean load(List<SegmentLocation> segments) {
    clear();
    long raw = 0;
    for (SegmentLocation s : segments) {
      raw += s.rawBytes();
    }
    startBuckets(bucketsFor(raw));
    int mask = buckets - 1;
    Chain chain = null;
    int keyNumber = 0;
    for (SegmentLocation segment : segments) {
      try (SegmentReader reader = resources.open(segment)) {
        while (reader.next()) {
          if (!reader.sameKey()) {
            byte[] k = reader.keyArray();
            int ko = reader.keyOffset();
            int kl = reader.keyLength();
            int hash = hasher.hash(k, ko, kl, seed);
            int b = hash & mask;
            chain = chains[b];
            keyNumber = keysIn[b]++;
            if (!chain.addKey(k, ko, kl, hash)) {
              clear();
              return false;
            }
          }
          if (!chain.addValue(
              keyNumber, reader.valueArray(), reader.valueOffset(), reader.valueLength())) {
            clear();
            return false;
          }
        }
      }
    }
    int mostValues = 0;
    int mostKeys = 0;
    for (int b = 0; b < buckets; b++) {
      mostValues = Math.max(mostValues, chains[b].values);
      mostKeys = Math.max(mostKeys, keysIn[b]);
    }
    if (!ensureArrays(mostValues, mostKeys)) {
      clear();
      return false;
    }
    return true;
  }

  private void startBuckets(int count) {
    if (chains.length < count) {
      Chain[] grown = Arrays.copyOf(chains, count);
      for (int b = chains.length; b < count; b++) {
        grown[b] = new Chain();
      }
      chains = grown;
      keysIn = new int[count];
    }
    buckets = count;
    Arrays.fill(keysIn, 0, count, 0);
    bucket = -1;
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
      if (bucket + 1 >= buckets) {
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

  /** Reads bucket {@code b}'s chain into the arrays and sorts its values by their keys' hashes. */
  private void walk(int b) {
    Chain chain = chains[b];
    int n = 0;
    int keys = 0;
    for (int i = 0; i < chain.count; i++) {
      byte[] page = chain.pages[i];
      int end = chain.ends[i];
      long pageBits = (long) i << 32;
      int p = chain.starts[i];
      while (p < end) {
        int head = Varint.get(page, p);
        int at = p + Varint.size(head);
        if ((head & 1) == 0) {
          keyHash[keys] = (int) INTS.get(page, at);
          keyPosition[keys] = pageBits | p;
          keys++;
          p = at + 4 + (head >>> 1);
        } else {
          int key = head >>> 1;
          order[n] = (long) keyHash[key] << 32 | key;
          valuePosition[n] = pageBits | at;
          n++;
          int length = Varint.get(page, at);
          p = at + Varint.size(length) + length;
        }
      }
    }
    RadixSort.sort(order, valuePosition, n, scratchOrder, scratchValues, 4, 8, sortCounts);
    size = n;
    next = 0;
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
    Chain chain = chains[bucket];
    long x = keyPosition[a];
    long y = keyPosition[b];
    byte[] xPage = chain.pages[(int) (x >>> 32)];
    byte[] yPage = chain.pages[(int) (y >>> 32)];
    int xHead = Varint.get(xPage, (int) x);
    if (xHead != Varint.get(yPage, (int) y)) {
      return false;
    }
    int keyLength = xHead >>> 1;
    int skip = Varint.size(xHead) + 4;
    return Bytes.equal(xPage, (int) x + skip, keyLength, yPage, (int) y + skip, keyLength);
  }

  /** The position of the current key's entry in the walked bucket's chain. */
  private long currentKey() {
    return keyPosition[(int) order[groupStart]];
  }

  /** The current key's bytes: {@code keyArray()[keyOffset(), keyOffset() + keyLength())}. */
  byte[] keyArray() {
    return chains[bucket].pages[(int) (currentKey() >>> 32)];
  }

  int keyOffset() {
    int at = (int) currentKey();
    return at + Varint.size(Varint.get(keyArray(), at)) + 4;
  }

  int keyLength() {
    return Varint.get(keyArray(), (int) currentKey()) >>> 1;
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
        return new Values(chains[bucket].pages, start, end);
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

  /** Forgets the loaded partition and returns the chains' pages; the arrays are kept. */
  void clear() {
    for (int b = 0; b < buckets; b++) {
      chains[b].clear();
    }
    clearSlabs();
    reservation.release(chainBytes);
    chainBytes = 0;
    buckets = 0;
    bucket = -1;
    size = 0;
    next = 0;
  }

  /** Returns every byte: the chains' pages and the arrays. */
  void release() {
    clear();
    order = valuePosition = scratchOrder = scratchValues = keyPosition = new long[0];
    keyHash = new int[0];
    reservation.release(arrayBytes);
    arrayBytes = 0;
  }

  /**
   * Carves the chains' chunks out of pages of the engine's page size, so that the pages come from
   * and go back to the {@link PageRecycler} shelf every engine's pages share, and a bucket's partly
   * filled last chunk wastes at most {@link #CHUNK_BYTES}.
   */
  private byte[][] slabs = new byte[16][];

  private int slabCount;
  private int slabCursor;

  /**
   * Where {@code bytes} more go, in a chunk carved from the last slab or a new one; null if
   * refused.
   */
  private byte[] carve(int bytes) {
    byte[] slab = slabCount == 0 ? null : slabs[slabCount - 1];
    if (slab == null || slabCursor + bytes > slab.length) {
      int slabBytes = Math.max(bytes, resources.plan.pageBytes());
      if (!reservation.tryReserve(slabBytes)) {
        return null;
      }
      chainBytes += slabBytes;
      if (slabCount == slabs.length) {
        slabs = Arrays.copyOf(slabs, slabCount * 2);
      }
      slab = PageRecycler.take(slabBytes);
      slabs[slabCount++] = slab;
      slabCursor = 0;
    }
    return slab;
  }

  private void clearSlabs() {
    for (int i = 0; i < slabCount; i++) {
      PageRecycler.give(slabs[i]);
      slabs[i] = null;
    }
    slabCount = 0;
    slabCursor = 0;
  }

  /**
   * One bucket's entries, appended to chunks, each filled up to its end. A position in the chain is
   * {@code chunk << 32 | offset}, the offset in the chunk's page.
   */
  private final class Chain {
    byte[][] pages = new byte[4][];
    int[] starts = new int[4];
    int[] ends = new int[4];
    int[] limits = new int[4];
    int count;
    int values;

    boolean addKey(byte[] key, int offset, int length, int hash) {
      int head = length << 1;
      int at = room(Varint.size(head) + 4 + length);
      if (at < 0) {
        return false;
      }
      byte[] page = pages[count - 1];
      at = Varint.put(page, at, head);
      INTS.set(page, at, hash);
      System.arraycopy(key, offset, page, at + 4, length);
      ends[count - 1] = at + 4 + length;
      return true;
    }

    boolean addValue(int keyNumber, byte[] value, int offset, int length) {
      int head = keyNumber << 1 | 1;
      int at = room(Varint.size(head) + Varint.size(length) + length);
      if (at < 0) {
        return false;
      }
      byte[] page = pages[count - 1];
      at = Varint.put(page, at, head);
      at = Varint.put(page, at, length);
      System.arraycopy(value, offset, page, at, length);
      ends[count - 1] = at + length;
      values++;
      return true;
    }

    /** Where {@code bytes} more go in the last chunk, a new one if need be; -1 if refused. */
    private int room(int bytes) {
      if (count > 0 && ends[count - 1] + bytes <= limits[count - 1]) {
        return ends[count - 1];
      }
      int chunkBytes = Math.max(bytes, CHUNK_BYTES);
      byte[] slab = carve(chunkBytes);
      if (slab == null) {
        return -1;
      }
      if (count == pages.length) {
        pages = Arrays.copyOf(pages, count * 2);
        starts = Arrays.copyOf(starts, count * 2);
        ends = Arrays.copyOf(ends, count * 2);
        limits = Arrays.copyOf(limits, count * 2);
      }
      pages[count] = slab;
      starts[count] = slabCursor;
      ends[count] = slabCursor;
      limits[count] = slabCursor + chunkBytes;
      slabCursor += chunkBytes;
      count++;
      return starts[count - 1];
    }

    void clear() {
      Arrays.fill(pages, 0, count, null);
      count = 0;
      values = 0;
    }
  }
}
