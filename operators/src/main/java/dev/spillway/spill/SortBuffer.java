package dev.spillway.spill;

import java.util.Arrays;

/**
 * The in-memory run of an {@link ExternalSorter}: records {@code [key length: varint][value length:
 * varint][key][value]} in {@link ChunkChains}, one chain per range of eight bits of their key, and
 * per record its address and the key's first eight bytes as a big-endian prefix. Sorting moves only
 * the (prefix, address) pairs: a radix sort on the prefixes, then a comparison sort of the rare
 * runs of equal prefixes by the whole key (Spark's prefix sort).
 *
 * <p>Why chains: written out in sorted order, the records are read at random addresses, and a run's
 * records (tens of megabytes) are far larger than the CPU's caches, so each read was a miss to
 * memory (a third of the sort workload's time). The radix sort takes the prefix's eight most
 * significant varying bits first ({@link RadixSort#sortTopDigitFirst}), so both it and the write go
 * one range of those bits at a time, and when the chains are picked by the same bits of the key,
 * that range's records lie in their own chain, a few hundred kilobytes at most. The chain bits are
 * those the last run was sorted by first (the top byte for the first run): keys that share their
 * high bits (timestamps, a common prefix) spread over the chains from the second run on.
 *
 * <p>Memory: {@link #BYTES_PER_RECORD} bytes per record of capacity (prefix, address and the radix
 * sort's two buffers), counted as the arrays grow, plus the chains' pages.
 */
final class SortBuffer {
  static final long BYTES_PER_RECORD = 4 * 8;
  private static final int INITIAL_CAPACITY = 64;

  /** Chains at most: one per value of the eight bits that pick a chain. */
  private static final int MAX_CHAINS = 256;

  private final MemoryReservation reservation;
  private final ChunkChains chains;

  /** How far a chain digit is shifted right to give its chain (fewer chains than 256). */
  private final int chainShift;

  /**
   * Where the eight bits of a key's prefix that pick its chain start: the digit the last run was
   * sorted by first ({@link RadixSort#sortTopDigitFirst}; the top byte for the first run), so that
   * keys sharing their high bits (timestamps, a common prefix) still spread over the chains.
   */
  private int digitShift = 56;

  private final int[][] sortCounts = new int[8][256];
  private long[] prefixes;
  private long[] addresses;
  private long[] tmpPrefixes;
  private long[] tmpAddresses;
  private int size;

  /** Reads a record {@link #writeSortedTo} appends straight from its page. */
  private final Record unstaged = new Record();

  SortBuffer(EngineResources resources) {
    this.reservation = resources.reservation;
    this.chains = new ChunkChains(resources);
    // As many chains as keep their partly filled last chunks within 1/64 of the engine's share.
    long wanted = reservation.fairShare() / (64L * ChunkChains.CHUNK_BYTES);
    int count = (int) Long.highestOneBit(Math.max(1, Math.min(MAX_CHAINS, wanted)));
    this.chainShift = 8 - Integer.numberOfTrailingZeros(count);
    chains.start(count);
    reservation.reserve(INITIAL_CAPACITY * BYTES_PER_RECORD);
    allocate(INITIAL_CAPACITY);
  }

  private void allocate(int capacity) {
    prefixes = Arrays.copyOf(prefixes == null ? new long[0] : prefixes, capacity);
    addresses = Arrays.copyOf(addresses == null ? new long[0] : addresses, capacity);
    tmpPrefixes = new long[capacity];
    tmpAddresses = new long[capacity];
  }

  int size() {
    return size;
  }

  /** Stores a record; false if memory was refused (nothing stored: spill, retry). */
  boolean add(byte[] key, int kOff, int kLen, byte[] value, int vOff, int vLen) {
    if (size == prefixes.length) {
      int capacity = prefixes.length * 2;
      if (!reservation.tryReserve((capacity - prefixes.length) * BYTES_PER_RECORD)) {
        return false;
      }
      allocate(capacity);
    }
    int head = Varint.size(kLen) + Varint.size(vLen);
    long prefix = Bytes.prefix(key, kOff, kLen);
    int chain = ((int) (prefix >>> digitShift) & 0xFF) >>> chainShift;
    long address = chains.append(chain, head + kLen + vLen);
    if (address == ChunkChains.NO_MEMORY) {
      return false;
    }
    byte[] page = chains.page(address);
    int p = ChunkChains.offset(address);
    p = Varint.put(page, p, kLen);
    p = Varint.put(page, p, vLen);
    Bytes.copy(key, kOff, page, p, kLen);
    Bytes.copy(value, vOff, page, p + kLen, vLen);
    prefixes[size] = prefix;
    addresses[size] = address;
    size++;
    return true;
  }

  /** Sorts the records by key bytes (unsigned, shorter first); stable. */
  void sort() {
    int sortedFirst =
        RadixSort.sortTopDigitFirst(
            prefixes, addresses, size, tmpPrefixes, tmpAddresses, sortCounts);
    if (sortedFirst >= 0) {
      digitShift = sortedFirst; // the next run's records are chained by the same bits
    }
    int runStart = 0;
    for (int i = 1; i <= size; i++) {
      if (i == size || prefixes[i] != prefixes[runStart]) {
        if (i - runStart > 1) {
          sortByKey(runStart, i);
        }
        runStart = i;
      }
    }
  }

  /**
   * A stable merge sort of addresses[from, to) by whole keys (their prefixes are equal). A run
   * already in order (one hot key's records, say) costs one pass.
   */
  private void sortByKey(int from, int to) {
    if (isSorted(from, to)) {
      return;
    }
    mergeSortByKey(from, to);
  }

  private boolean isSorted(int from, int to) {
    for (int i = from + 1; i < to; i++) {
      if (compare(addresses[i - 1], addresses[i]) > 0) {
        return false;
      }
    }
    return true;
  }

  private void mergeSortByKey(int from, int to) {
    if (to - from <= 16) {
      for (int i = from + 1; i < to; i++) {
        long v = addresses[i];
        int j = i - 1;
        while (j >= from && compare(addresses[j], v) > 0) {
          addresses[j + 1] = addresses[j];
          j--;
        }
        addresses[j + 1] = v;
      }
      return;
    }
    int mid = (from + to) >>> 1;
    mergeSortByKey(from, mid);
    mergeSortByKey(mid, to);
    System.arraycopy(addresses, from, tmpAddresses, from, to - from);
    int i = from;
    int j = mid;
    int k = from;
    while (i < mid && j < to) {
      addresses[k++] =
          compare(tmpAddresses[i], tmpAddresses[j]) <= 0 ? tmpAddresses[i++] : tmpAddresses[j++];
    }
    while (i < mid) {
      addresses[k++] = tmpAddresses[i++];
    }
    while (j < to) {
      addresses[k++] = tmpAddresses[j++];
    }
  }

  private final Record left = new Record();
  private final Record right = new Record();

  private int compare(long a, long b) {
    left.read(a);
    right.read(b);
    return Bytes.compare(
        left.page, left.keyOffset, left.keyLength, right.page, right.keyOffset, right.keyLength);
  }

  /** Bytes of records held (what a spill frees). */
  long recordBytes() {
    return chains.reservedBytes();
  }

  /** Bytes the records held take with their share of the sort's arrays. */
  long runBytes() {
    return chains.reservedBytes() + size * BYTES_PER_RECORD;
  }

  void reset() {
    size = 0;
    int count = chains.chains();
    chains.clear();
    chains.start(count);
  }

  /** Gives back the arrays' memory beyond the initial capacity; the buffer must be empty. */
  void shrink() {
    if (size == 0 && prefixes.length > INITIAL_CAPACITY) {
      reservation.release((prefixes.length - INITIAL_CAPACITY) * BYTES_PER_RECORD);
      prefixes = null;
      addresses = null;
      allocate(INITIAL_CAPACITY);
    }
  }

  /** Returns all memory, arrays included; the buffer is unusable afterwards. */
  void release() {
    reset();
    if (prefixes != null) {
      reservation.release(prefixes.length * BYTES_PER_RECORD);
      prefixes = null;
      addresses = null;
      tmpPrefixes = null;
      tmpAddresses = null;
    }
  }

  /** Records copied at once by {@link #writeSortedTo}, and the largest it copies. */
  private static final int STAGED_RECORDS = 64;

  private static final int MAX_STAGED_BYTES = 256;

  private static final int STAGING_BYTES = STAGED_RECORDS * MAX_STAGED_BYTES;

  /**
   * Appends the sorted records to {@code out}. Sorted, the records lie at random addresses; a batch
   * is first copied to a small staging array in a loop that does nothing else, so the CPU overlaps
   * the batch's cache misses, and then appended from there (a record too large to stage goes
   * straight from its page, after the records before it).
   */
  void writeSortedTo(SegmentWriter out) {
    if (!reservation.tryReserve(STAGING_BYTES)) {
      for (int i = 0; i < size; i++) {
        appendFromPage(addresses[i], out);
      }
      return;
    }
    try {
      byte[] staging = PageRecycler.take(STAGING_BYTES);
      writeStaged(out, staging);
      PageRecycler.give(staging);
    } finally {
      reservation.release(STAGING_BYTES);
    }
  }

  private void writeStaged(SegmentWriter out, byte[] staging) {
    for (int start = 0; start < size; ) {
      int staged = 0;
      int i = start;
      for (; i < size && i - start < STAGED_RECORDS; i++) {
        long address = addresses[i];
        byte[] page = chains.page(address);
        int p = ChunkChains.offset(address);
        int k = Varint.get(page, p);
        int header = Varint.size(k);
        int v = Varint.get(page, p + header);
        int length = header + Varint.size(v) + k + v;
        if (length > MAX_STAGED_BYTES) {
          break;
        }
        System.arraycopy(page, p, staging, staged, length);
        staged += length;
      }
      for (int q = 0; q < staged; ) {
        int k = Varint.get(staging, q);
        q += Varint.size(k);
        int v = Varint.get(staging, q);
        q += Varint.size(v);
        out.append(staging, q, k, staging, q + k, v);
        q += k + v;
      }
      if (i < size && i - start < STAGED_RECORDS) {
        appendFromPage(addresses[i], out); // the record too large to stage
        i++;
      }
      start = i;
    }
  }

  private void appendFromPage(long address, SegmentWriter out) {
    unstaged.read(address);
    out.append(
        unstaged.page,
        unstaged.keyOffset,
        unstaged.keyLength,
        unstaged.page,
        unstaged.keyOffset + unstaged.keyLength,
        unstaged.valueLength);
  }

  /** The sorted records, in order; valid until the buffer changes. */
  RecordCursor cursor() {
    return new RecordCursor() {
      private final Record r = new Record();
      private int next;

      @Override
      public boolean next() {
        if (next == size) {
          return false;
        }
        r.read(addresses[next++]);
        return true;
      }

      @Override
      public byte[] keyArray() {
        return r.page;
      }

      @Override
      public int keyOffset() {
        return r.keyOffset;
      }

      @Override
      public int keyLength() {
        return r.keyLength;
      }

      @Override
      public byte[] valueArray() {
        return r.page;
      }

      @Override
      public int valueOffset() {
        return r.keyOffset + r.keyLength;
      }

      @Override
      public int valueLength() {
        return r.valueLength;
      }

      @Override
      public void close() {}
    };
  }

  /** A decoded record header: where the key and value of an address lie. */
  private final class Record {
    byte[] page;
    int keyOffset;
    int keyLength;
    int valueLength;

    void read(long address) {
      page = chains.page(address);
      int p = ChunkChains.offset(address);
      int k = Varint.get(page, p);
      p += Varint.size(k);
      int v = Varint.get(page, p);
      p += Varint.size(v);
      keyOffset = p;
      keyLength = k;
      valueLength = v;
    }
  }
}
