package dev.spillway.spill;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * One spilled partition loaded into memory split again into cache-sized buckets, by the low bits of
 * its keys' hashes (the partition itself was chosen by the high bits), so that the group-by's
 * output ({@link HashOrderedGroups}) sorts and walks one bucket at a time, in the CPU's caches.
 *
 * <p>Why: a partition's keys, values and the sorted arrays over them take a few megabytes, more
 * than a core's L2 cache; comparing a value's key with its run's and reading the value then cost a
 * miss to the next level each. A bucket of about {@value #TARGET_BUCKET_BYTES} bytes and its arrays
 * stay in L2. (The same split in front of combine's per-partition hash table did not pay: the copy
 * into the buckets cost more than the table's misses it saved, BENCHMARKS.md.)
 *
 * <p>Each bucket is a chain of {@link ChunkChains}, holding two kinds of entry, told apart by the
 * low bit of the varint they start with:
 *
 * <ul>
 *   <li>a key: {@code [key length << 1: varint][hash: 4 bytes][key]}, once per record of the
 *       segments (a record's values share its key);
 *   <li>a value: {@code [key number << 1 | 1: varint][value length: varint][value]}, the key number
 *       counting the bucket's keys from 0 in load order.
 * </ul>
 *
 * <p>Memory: the chains' pages, each reserved before it is made and returned by {@link #clear}.
 */
final class HashBuckets {
  /** About how many bytes a bucket's chain holds. */
  private static final int TARGET_BUCKET_BYTES = 32 << 10;

  private static final int MAX_BUCKETS = 1 << 12;

  /**
   * Bytes a chain adds to each value of the segments' records, at most: a segment stores a value as
   * {@code [tag][length: varint][value]}, a chain as {@code [key number: varint][length:
   * varint][value]}, and a key number's varint takes at most five bytes.
   */
  private static final int BYTES_PER_VALUE = 4;

  /**
   * Bytes a chain adds to each record's key, at most: a segment stores a key as {@code
   * [tag][length: varint][key]}, a chain as {@code [length << 1: varint][hash: 4 bytes][key]}.
   */
  private static final int BYTES_PER_RECORD = 4;

  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** What a bucket's entries are given to, in chain order: a key always before its values. */
  interface Visitor {
    /** The key numbered {@code number}, hashed {@code hash}, whose entry is at {@code position}. */
    void key(int number, int hash, long position);

    /**
     * A value of key {@code keyNumber}, whose {@code [length: varint][bytes]} is at {@code
     * position}.
     */
    void value(int keyNumber, long position);
  }

  private final EngineResources resources;
  private final KeyHasher hasher;
  private final ChunkChains chains;

  /** Per bucket of the load: how many keys and values it has. */
  private int[] keysIn = new int[0];

  private int[] valuesIn = new int[0];

  HashBuckets(EngineResources resources, KeyHasher hasher) {
    this.resources = resources;
    this.hasher = hasher;
    this.chains = new ChunkChains(resources);
  }

  /**
   * An upper bound of the memory {@link #load} takes for these segments: their raw blocks, what a
   * chain stores beyond them, a partly empty chunk per bucket and a partly empty page.
   */
  static long loadedSize(Totals segments, int pageBytes) {
    return segments.rawBytes
        + BYTES_PER_VALUE * segments.values
        + BYTES_PER_RECORD * segments.records
        + (long) bucketsFor(segments.rawBytes) * ChunkChains.CHUNK_BYTES
        + pageBytes;
  }

  /** What a partition's segments hold in all. */
  static final class Totals {
    final long rawBytes;
    final long values;
    final long records;

    private Totals(long rawBytes, long values, long records) {
      this.rawBytes = rawBytes;
      this.values = values;
      this.records = records;
    }

    static Totals of(List<SegmentLocation> segments) {
      long raw = 0;
      long values = 0;
      long records = 0;
      for (SegmentLocation s : segments) {
        raw += s.rawBytes();
        values += s.pairs();
        records += s.records();
      }
      return new Totals(raw, values, records);
    }
  }

  /** Buckets of about {@link #TARGET_BUCKET_BYTES} for this many raw bytes: a power of two. */
  static int bucketsFor(long rawBytes) {
    return (int)
        Long.highestOneBit(Math.max(1, Math.min(MAX_BUCKETS, rawBytes / TARGET_BUCKET_BYTES)));
  }

  /**
   * Loads the segments, each key hashed under {@code seed}; false if memory was refused (nothing is
   * held then).
   */
  boolean load(List<SegmentLocation> segments, long seed) {
    clear();
    int buckets = bucketsFor(Totals.of(segments).rawBytes);
    chains.start(buckets);
    if (keysIn.length < buckets) {
      keysIn = new int[buckets];
      valuesIn = new int[buckets];
    }
    Arrays.fill(keysIn, 0, buckets, 0);
    Arrays.fill(valuesIn, 0, buckets, 0);
    int mask = buckets - 1;
    int bucket = 0;
    int keyNumber = 0;
    for (SegmentLocation segment : segments) {
      try (SegmentReader reader = resources.open(segment)) {
        while (reader.next()) {
          if (!reader.sameKey()) {
            byte[] k = reader.keyArray();
            int ko = reader.keyOffset();
            int kl = reader.keyLength();
            int hash = hasher.hash(k, ko, kl, seed);
            bucket = hash & mask;
            keyNumber = keysIn[bucket]++;
            if (!addKey(bucket, k, ko, kl, hash)) {
              clear();
              return false;
            }
          }
          if (!addValue(
              bucket, keyNumber, reader.valueArray(), reader.valueOffset(), reader.valueLength())) {
            clear();
            return false;
          }
        }
      }
    }
    return true;
  }

  private boolean addKey(int bucket, byte[] key, int offset, int length, int hash) {
    int head = length << 1;
    long position = chains.append(bucket, Varint.size(head) + 4 + length);
    if (position == ChunkChains.NO_MEMORY) {
      return false;
    }
    byte[] page = chains.page(position);
    int at = Varint.put(page, ChunkChains.offset(position), head);
    INTS.set(page, at, hash);
    Bytes.copy(key, offset, page, at + 4, length);
    return true;
  }

  private boolean addValue(int bucket, int keyNumber, byte[] value, int offset, int length) {
    int head = keyNumber << 1 | 1;
    long position = chains.append(bucket, Varint.size(head) + Varint.size(length) + length);
    if (position == ChunkChains.NO_MEMORY) {
      return false;
    }
    byte[] page = chains.page(position);
    int at = Varint.put(page, ChunkChains.offset(position), head);
    at = Varint.put(page, at, length);
    Bytes.copy(value, offset, page, at, length);
    valuesIn[bucket]++;
    return true;
  }

  /** The buckets of the load; 0 when nothing is loaded. */
  int buckets() {
    return chains.chains();
  }

  /** The most keys of any bucket of the load. */
  int mostKeys() {
    int most = 0;
    for (int b = 0; b < buckets(); b++) {
      most = Math.max(most, keysIn[b]);
    }
    return most;
  }

  /** The most values of any bucket of the load. */
  int mostValues() {
    int most = 0;
    for (int b = 0; b < buckets(); b++) {
      most = Math.max(most, valuesIn[b]);
    }
    return most;
  }

  /** Gives bucket {@code b}'s entries to {@code visitor}, in chain order. */
  void read(int b, Visitor visitor) {
    byte[][] pages = chains.pages();
    int keys = 0;
    for (int i = 0; i < chains.chunks(b); i++) {
      int chunk = chains.chunk(b, i);
      byte[] page = pages[chunk];
      int end = chains.chunkEnd(chunk);
      long chunkBits = (long) chunk << 32;
      int p = chains.chunkStart(chunk);
      while (p < end) {
        int head = Varint.get(page, p);
        int at = p + Varint.size(head);
        if ((head & 1) == 0) {
          visitor.key(keys++, (int) INTS.get(page, at), chunkBits | p);
          p = at + 4 + (head >>> 1);
        } else {
          visitor.value(head >>> 1, chunkBits | at);
          int length = Varint.get(page, at);
          p = at + Varint.size(length) + length;
        }
      }
    }
  }

  /** The pages of the load: a position's page is {@code pages()[position >>> 32]}. */
  byte[][] pages() {
    return chains.pages();
  }

  /** The offset in its page of the key whose entry is at {@code position}. */
  static int keyOffset(byte[] page, long position) {
    int at = (int) position;
    return at + Varint.size(Varint.get(page, at)) + 4;
  }

  /** The length of the key whose entry is at {@code position}. */
  static int keyLength(byte[] page, long position) {
    return Varint.get(page, (int) position) >>> 1;
  }

  /** Forgets the load and returns its pages. */
  void clear() {
    chains.clear();
  }
}
