package dev.spillway.spill;

import java.util.Arrays;

/**
 * Records appended as they come into their hash partition's chain of pages, with no table: each
 * record is {@code [key length: varint][key][value length: varint][value]}. Filling writes at one
 * of a few dozen hot positions and a spill reads each partition's pages front to back, so both
 * touch memory sequentially (a partitioned append-only buffer).
 *
 * <p>An engine switches to this buffer when its in-memory table stops paying: when a fill of the
 * table held nearly as many keys as records (Trino's adaptive partial aggregation makes the same
 * call), hashing every record into a table larger than the CPU caches costs a cache miss per record
 * and saves little, since the records go to disk anyway. Merging after the spill, partition by
 * partition, then works in a table that fits the caches.
 *
 * <p>Memory: the pages, each reserved before it is made; at most one page per partition is partly
 * empty.
 */
final class AppendBuffer {
  private static final int MIN_PAGE = 256;
  private static final int MAX_PAGE = 64 << 10;

  private final MemoryReservation reservation;
  private final int partitions;
  private final int pageBytes;
  private final Chain[] chains;
  private long reservedBytes;
  private int size;

  AppendBuffer(EngineResources resources, long budget) {
    this.reservation = resources.reservation;
    this.partitions = resources.config.partitions();
    // Small enough that one partly empty page per partition wastes a quarter of the budget.
    this.pageBytes = (int) Math.max(MIN_PAGE, Math.min(MAX_PAGE, budget / (4L * partitions)));
    this.chains = new Chain[partitions];
    for (int p = 0; p < partitions; p++) {
      chains[p] = new Chain();
    }
  }

  /** One partition's pages, each filled up to its end. */
  private static final class Chain {
    byte[][] pages = new byte[4][];
    int[] ends = new int[4];
    int count;

    void add(byte[] page) {
      if (count == pages.length) {
        pages = Arrays.copyOf(pages, count * 2);
        ends = Arrays.copyOf(ends, count * 2);
      }
      pages[count] = page;
      ends[count] = 0;
      count++;
    }

    void clear() {
      for (int i = 0; i < count; i++) {
        PageRecycler.give(pages[i]);
        pages[i] = null;
      }
      count = 0;
    }
  }

  int size() {
    return size;
  }

  /** Appends a record; false if memory was refused (nothing stored: spill, retry). */
  boolean add(byte[] key, int kOff, int kLen, int hash, byte[] value, int vOff, int vLen) {
    int partition = HashPartitions.of(hash, partitions);
    int length = Varint.size(kLen) + kLen + Varint.size(vLen) + vLen;
    Chain chain = chains[partition];
    int last = chain.count - 1;
    if (last < 0 || chain.ends[last] + length > chain.pages[last].length) {
      int bytes = Math.max(length, pageBytes);
      if (!reservation.tryReserve(bytes)) {
        return false;
      }
      reservedBytes += bytes;
      chain.add(PageRecycler.take(bytes));
      last++;
    }
    byte[] page = chain.pages[last];
    int p = Varint.put(page, chain.ends[last], kLen);
    Bytes.copy(key, kOff, page, p, kLen);
    p = Varint.put(page, p + kLen, vLen);
    Bytes.copy(value, vOff, page, p, vLen);
    chain.ends[last] = p + vLen;
    size++;
    return true;
  }

  /** Writes every record to {@code writer}, partition by partition, and empties the buffer. */
  void spillTo(PartitionedSpillWriter writer) {
    for (int partition = 0; partition < partitions; partition++) {
      Chain chain = chains[partition];
      if (chain.count == 0) {
        continue;
      }
      SegmentWriter out = writer.writerFor(partition);
      for (int i = 0; i < chain.count; i++) {
        byte[] page = chain.pages[i];
        int end = chain.ends[i];
        int p = 0;
        while (p < end) {
          int kLen = Varint.get(page, p);
          int kOff = p + Varint.size(kLen);
          p = kOff + kLen;
          int vLen = Varint.get(page, p);
          int vOff = p + Varint.size(vLen);
          p = vOff + vLen;
          out.append(page, kOff, kLen, page, vOff, vLen);
        }
      }
    }
    release();
  }

  /** Bytes of records held (what a spill frees). */
  long recordBytes() {
    return reservedBytes;
  }

  /** Forgets every record and returns all memory. */
  void release() {
    for (Chain chain : chains) {
      chain.clear();
    }
    reservation.release(reservedBytes);
    reservedBytes = 0;
    size = 0;
  }
}
