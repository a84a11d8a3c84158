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
 * <p>Why: a partition's keys, values and whatever structure groups them (a hash table, sorted
 * arrays) take a few megabytes, more than a core's L2 cache; reaching a random key in it costs a
 * miss to the next level, and grouping does that once or twice a value. A bucket of about {@value
 * #TARGET_BUCKET_BYTES} bytes and its structure stay in L2. Loading costs one sequential copy of
 * the records, which the hash table's misses it saves far outweigh.
 *
 * <p>Each bucket is a chain of {@value #CHUNK_BYTES}-byte chunks carved from pages of the engine's
 * page size (so that the pages come from and go back to the {@link PageRecycler} shelf every
 * engine's pages share, and a bucket's partly filled last chunk wastes at most a chunk). A chain
 * holds two kinds of entry, told apart by the low bit of the varint they start with:
 *
 * <ul>
 *   <li>a key: {@code [key length << 1: varint][hash: 4 bytes][key]}, once per record of the
 *       segments (a record's values share its key);
 *   <li>a value: {@code [key number << 1 | 1: varint][value length: varint][value]}, the key number
 *       counting the bucket's keys from 0 in load order.
 * </ul>
 *
 * <p>A position in a chain is {@code chunk << 32 | offset}, the offset in the chunk's page.
 *
 * <p>Memory: the pages, each reserved before it is made and returned by {@link #clear}.
 */
final class HashBuckets {
  /** About how many bytes a bucket's chain holds. */
  private static final int TARGET_BUCKET_BYTES = 32 << 10;

  private static final int MAX_BUCKETS = 1 << 12;

  /** Small, so that a partly filled last chunk per bucket wastes little. */
  private static final int CHUNK_BYTES = 4 << 10;

  /** Bytes a chain adds to each value of the segments' records, at most: its varints. */
  private static final int BYTES_PER_VALUE = 10;

  /** Bytes a chain adds to each record's key, at most: its varint and hash. */
  private static final int BYTES_PER_RECORD = 9;

  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  /** What a bucket's entries are given to, in chain order: a key always before its values. */
  interface Visitor {
    /** The key numbered {@code number}, hashed {@code hash}, whose entry is at {@code position}. */
    void key(int number, int hash, long position, byte[] page, int offset, int length);

    /**
     * A value of key {@code keyNumber}: its bytes, and {@code position}, where its {@code [length:
     * varint][bytes]} lies.
     */
    void value(int keyNumber, long position, byte[] page, int offset, int length);
  }

  private final EngineResources resources;
  private final MemoryReservation reservation;
  private final KeyHasher hasher;

  private Chain[] chains = new Chain[0];
  private int buckets;

  /** Per bucket of the load: how many keys it has. */
  private int[] keysIn = new int[0];

  private byte[][] slabs = new byte[16][];
  private int slabCount;
  private int slabCursor;
  private long reservedBytes;

  HashBuckets(EngineResources resources, KeyHasher hasher) {
    this.resources = resources;
    this.reservation = resources.reservation;
    this.hasher = hasher;
  }

  /**
   * An upper bound of the memory {@link #load} takes for these segments: at most the raw blocks
   * (whose records carry field tags and lengths the chains do not) plus the chains' varints and
   * hashes, a partly empty chunk per bucket and a partly empty page.
   */
  static long loadedSize(List<SegmentLocation> segments, int pageBytes) {
    long raw = 0;
    long values = 0;
    long records = 0;
    for (SegmentLocation s : segments) {
      raw += s.rawBytes();
      values += s.pairs();
      records += s.records();
    }
    return raw
        + BYTES_PER_VALUE * values
        + BYTES_PER_RECORD * records
        + (long) bucketsFor(raw) * CHUNK_BYTES
        + pageBytes;
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
  }

  /** The buckets of the load; 0 when nothing is loaded. */
  int buckets() {
    return buckets;
  }

  int keys(int bucket) {
    return keysIn[bucket];
  }

  int values(int bucket) {
    return chains[bucket].values;
  }

  /** The most keys of any bucket of the load. */
  int mostKeys() {
    int most = 0;
    for (int b = 0; b < buckets; b++) {
      most = Math.max(most, keysIn[b]);
    }
    return most;
  }

  /** The most values of any bucket of the load. */
  int mostValues() {
    int most = 0;
    for (int b = 0; b < buckets; b++) {
      most = Math.max(most, chains[b].values);
    }
    return most;
  }

  /** Gives bucket {@code b}'s entries to {@code visitor}, in chain order. */
  void read(int b, Visitor visitor) {
    Chain chain = chains[b];
    int keys = 0;
    for (int i = 0; i < chain.count; i++) {
      byte[] page = chain.pages[i];
      int end = chain.ends[i];
      long chunk = (long) i << 32;
      int p = chain.starts[i];
      while (p < end) {
        int head = Varint.get(page, p);
        int at = p + Varint.size(head);
        if ((head & 1) == 0) {
          int length = head >>> 1;
          visitor.key(keys++, (int) INTS.get(page, at), chunk | p, page, at + 4, length);
          p = at + 4 + length;
        } else {
          int length = Varint.get(page, at);
          int offset = at + Varint.size(length);
          visitor.value(head >>> 1, chunk | at, page, offset, length);
          p = offset + length;
        }
      }
    }
  }

  /** The page of bucket {@code b} that {@code position} lies in. */
  byte[] page(int b, long position) {
    return chains[b].pages[(int) (position >>> 32)];
  }

  /**
   * The pages of bucket {@code b}, by chunk: a position's page is {@code pages[position >>> 32]}.
   */
  byte[][] pages(int b) {
    return chains[b].pages;
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
    for (int b = 0; b < buckets; b++) {
      chains[b].clear();
    }
    for (int i = 0; i < slabCount; i++) {
      PageRecycler.give(slabs[i]);
      slabs[i] = null;
    }
    slabCount = 0;
    slabCursor = 0;
    reservation.release(reservedBytes);
    reservedBytes = 0;
    buckets = 0;
  }

  /** The last page, with room for {@code bytes} more from {@link #slabCursor}; null if refused. */
  private byte[] carve(int bytes) {
    byte[] slab = slabCount == 0 ? null : slabs[slabCount - 1];
    if (slab == null || slabCursor + bytes > slab.length) {
      int slabBytes = Math.max(bytes, resources.plan.pageBytes());
      if (!reservation.tryReserve(slabBytes)) {
        return null;
      }
      reservedBytes += slabBytes;
      if (slabCount == slabs.length) {
        slabs = Arrays.copyOf(slabs, slabCount * 2);
      }
      slab = PageRecycler.take(slabBytes);
      slabs[slabCount++] = slab;
      slabCursor = 0;
    }
    return slab;
  }

  /** One bucket's entries, appended to chunks, each filled up to its end. */
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
      return starts[count++];
    }

    void clear() {
      Arrays.fill(pages, 0, count, null);
      count = 0;
      values = 0;
    }
  }
}
