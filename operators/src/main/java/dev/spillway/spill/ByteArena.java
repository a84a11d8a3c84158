package dev.spillway.spill;

import java.util.Arrays;

/**
 * Records kept serialized in large pages instead of one object each (as Spark's Tungsten and
 * Flink's managed memory do), so that the budget counts real bytes and the garbage collector sees a
 * few arrays. An address is {@code page << pageShift | offset}; an allocation never spans pages,
 * and one larger than a page gets a page of its own.
 *
 * <p>Every page is reserved from the engine's {@link MemoryReservation} before it is made; when the
 * reservation is refused, {@link #allocate} returns {@link #NO_MEMORY} and the engine spills.
 */
final class ByteArena {
  static final long NO_MEMORY = -1;

  private final MemoryReservation reservation;
  private final int pageShift;
  private final int pageSize;
  private byte[][] pages = new byte[16][];
  private int pageCount;

  /** The next free byte of the last page. */
  private int cursor;

  private long reservedBytes;

  ByteArena(MemoryReservation reservation, int pageSize) {
    if (Integer.bitCount(pageSize) != 1) {
      throw new IllegalArgumentException("page size must be a power of two: " + pageSize);
    }
    this.reservation = reservation;
    this.pageSize = pageSize;
    this.pageShift = Integer.numberOfTrailingZeros(pageSize);
    this.cursor = pageSize;
  }

  /** Allocates {@code size} contiguous bytes; returns their address or {@link #NO_MEMORY}. */
  long allocate(int size) {
    if (pageCount > 0 && cursor + size <= pageSize) {
      long address = ((long) (pageCount - 1) << pageShift) | cursor;
      cursor += size;
      return address;
    }
    int newPage = Math.max(size, pageSize);
    if (!reservation.tryReserve(newPage)) {
      return NO_MEMORY;
    }
    reservedBytes += newPage;
    if (pageCount == pages.length) {
      pages = Arrays.copyOf(pages, pageCount * 2);
    }
    pages[pageCount++] = PageRecycler.take(newPage);
    // An oversized page holds its one allocation; the next starts a new page.
    cursor = size > pageSize ? pageSize : size;
    return (long) (pageCount - 1) << pageShift;
  }

  /**
   * Copies {@code array[offset, offset + length)} in as {@code [length: varint][bytes]}; returns
   * its address, or {@link #NO_MEMORY}.
   */
  long copyLengthPrefixed(byte[] array, int offset, int length) {
    long address = allocate(Varint.size(length) + length);
    if (address != NO_MEMORY) {
      byte[] page = page(address);
      int p = Varint.put(page, offset(address), length);
      Bytes.copy(array, offset, page, p, length);
    }
    return address;
  }

  /** The length of the bytes {@link #copyLengthPrefixed} stored at {@code address}. */
  int prefixedLength(long address) {
    return Varint.get(page(address), offset(address));
  }

  /**
   * Where in {@link #page} the bytes {@link #copyLengthPrefixed} stored at {@code address} start.
   */
  int prefixedOffset(long address) {
    int p = offset(address);
    return p + Varint.size(Varint.get(page(address), p));
  }

  byte[] page(long address) {
    return pages[(int) (address >>> pageShift)];
  }

  int offset(long address) {
    return (int) (address & (pageSize - 1));
  }

  /** Bytes of the pages held (what the budget counts). */
  long reservedBytes() {
    return reservedBytes;
  }

  /** Forgets every allocation and returns every page to the reservation. */
  void reset() {
    for (int i = 0; i < pageCount; i++) {
      PageRecycler.give(pages[i]);
      pages[i] = null;
    }
    pageCount = 0;
    cursor = pageSize;
    reservation.release(reservedBytes);
    reservedBytes = 0;
  }
}
