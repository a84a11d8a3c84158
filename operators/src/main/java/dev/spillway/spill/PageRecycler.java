package dev.spillway.spill;

import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pages an engine dropped, kept for the next page of the same size anywhere in the JVM (Spark's
 * {@code HeapMemoryAllocator} pools its large arrays the same way).
 *
 * <p>Why: an engine fills its budget with pages, spills, drops them and fills new ones. Each page
 * lives for a whole fill, so the young collector copies it once or twice before it dies in the old
 * generation, and every fill of new pages touches memory the process has not used yet (on a 512 MiB
 * heap, a page fault per 4 KiB): together a quarter of a spilling run. A page taken back from here
 * is already in the old generation and already mapped.
 *
 * <p>Memory: the pool holds its pages through {@link WeakReference}s, so the budget's accounting is
 * unchanged (a dropped page is released from its reservation as before) and a page the pool holds
 * never keeps the heap fuller than the same page left as garbage would: the collector clears it
 * when it needs the room. A page taken from here has unspecified content; its user writes before it
 * reads, as {@link ByteArena} and {@link AppendBuffer} do.
 */
final class PageRecycler {
  /** Smaller arrays are cheap enough to make new. */
  static final int MIN_BYTES = 4 << 10;

  /** Holds at most this many bytes of dropped pages of each size: about a full budget's worth. */
  private static final long MAX_BYTES_PER_SIZE =
      Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 4);

  private static final ConcurrentHashMap<Integer, Shelf> SHELVES = new ConcurrentHashMap<>();

  private PageRecycler() {}

  /** A page of exactly {@code size} bytes: a dropped one if the pool has one, else a new one. */
  static byte[] take(int size) {
    if (size >= MIN_BYTES) {
      Shelf shelf = SHELVES.get(size);
      if (shelf != null) {
        byte[] page = shelf.pop();
        if (page != null) {
          return page;
        }
      }
    }
    return new byte[size];
  }

  /** Gives a page its user no longer reads to the pool. */
  static void give(byte[] page) {
    if (page.length >= MIN_BYTES) {
      SHELVES.computeIfAbsent(page.length, Shelf::new).push(page);
    }
  }

  /** The dropped pages of one size, the last dropped on top (the likeliest still in a cache). */
  private static final class Shelf {
    private final int capacity;
    private final ArrayDeque<WeakReference<byte[]>> pages = new ArrayDeque<>();

    Shelf(int size) {
      this.capacity = (int) Math.max(1, MAX_BYTES_PER_SIZE / size);
    }

    synchronized byte[] pop() {
      WeakReference<byte[]> ref;
      while ((ref = pages.pollLast()) != null) {
        byte[] page = ref.get();
        if (page != null) {
          return page;
        }
      }
      return null;
    }

    synchronized void push(byte[] page) {
      if (pages.size() == capacity) {
        pages.removeIf(ref -> ref.get() == null);
        if (pages.size() == capacity) {
          pages.pollFirst();
        }
      }
      pages.addLast(new WeakReference<>(page));
    }
  }
}
