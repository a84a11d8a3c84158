package dev.spillway.spill;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A hard cap on the bytes that the engines of one JVM hold, shared by all engines given the same
 * pool, so that N concurrent bundles cannot take N budgets.
 *
 * <p>The policy follows Spark's execution pool: with N registered consumers, none may grow past
 * {@code capacity / N}; a request that would pass that share, or the free bytes, is refused and the
 * consumer spills. A consumer that must have memory to go on at all ({@link #acquire}) waits for
 * free bytes, whatever its share, until others release them, up to a timeout, then fails naming
 * the pool's state. Engines give back their arrays before they wait, and take their floor in one
 * request, so that waiting engines hold as little as they can; when every consumer of the pool is
 * waiting and no waiter's request fits, nothing can ever be released, and the request that
 * completes that circle fails at once instead of after the timeout.
 *
 * <p>Thread-safe.
 */
public final class MemoryPool {
  private static final Duration DEFAULT_WAIT = Duration.ofMinutes(1);

  private final long capacity;
  private final Duration maxWait;
  private final Map<Object, long[]> held = new IdentityHashMap<>();
  /** The bytes each waiting consumer asked for. */
  private final Map<Object, Long> waiting = new IdentityHashMap<>();
  private long used;

  private MemoryPool(long capacity, Duration maxWait) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("memory pool capacity must be positive, was " + capacity);
    }
    this.capacity = capacity;
    this.maxWait = maxWait;
  }

  /** A pool of {@code capacityBytes}. */
  public static MemoryPool ofBytes(long capacityBytes) {
    return new MemoryPool(capacityBytes, DEFAULT_WAIT);
  }

  /** A copy of this pool's settings with a different wait limit for {@link #acquire}. */
  public static MemoryPool ofBytes(long capacityBytes, Duration maxWait) {
    return new MemoryPool(capacityBytes, maxWait);
  }

  public long capacity() {
    return capacity;
  }

  public synchronized long used() {
    return used;
  }

  synchronized void register(Object consumer) {
    held.putIfAbsent(consumer, new long[1]);
  }

  /** Releases all that {@code consumer} holds and forgets it. */
  synchronized void unregister(Object consumer) {
    long[] h = held.remove(consumer);
    if (h != null) {
      used -= h[0];
      notifyAll();
    }
  }

  /** The share a consumer would have if one more registered now. */
  synchronized long shareForNewConsumer() {
    return capacity / (held.size() + 1);
  }

  /** The most one consumer may hold now. */
  synchronized long fairShare() {
    return capacity / Math.max(1, held.size());
  }

  /** Grants all of {@code bytes} or nothing, without waiting. */
  synchronized boolean tryAcquire(Object consumer, long bytes) {
    long[] h = holding(consumer);
    if (used + bytes > capacity || h[0] + bytes > fairShare()) {
      return false;
    }
    h[0] += bytes;
    used += bytes;
    return true;
  }

  /**
   * Grants {@code bytes}, waiting for other consumers to release memory if need be.
   *
   * @throws IllegalStateException if the request can never be met or the wait times out
   */
  synchronized void acquire(Object consumer, long bytes) {
    if (bytes > capacity) {
      throw new IllegalStateException(
          "needs " + bytes + " bytes of memory, more than the whole memory budget of " + capacity
              + " bytes");
    }
    long own = holding(consumer)[0];
    if (own + bytes > capacity) {
      throw new IllegalStateException("needs " + bytes + " more bytes of memory but already holds "
          + own + " of the whole memory budget of " + capacity + " bytes");
    }
    long deadline = System.nanoTime() + maxWait.toNanos();
    // Waiting ignores the fair share: a consumer that must have memory to go on takes free bytes
    // wherever they are; the share only bounds growth (tryAcquire), which makes others spill.
    waiting.put(consumer, bytes);
    try {
      while (used + bytes > capacity) {
        if (deadlocked()) {
          throw new IllegalStateException("needs " + bytes + " bytes of the memory budget of "
              + capacity + " bytes, but all " + held.size() + " engines sharing it are waiting for"
              + " memory the others hold (" + used + " bytes), so none can be released. Raise the"
              + " budget or lower the number of concurrent bundles.");
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "waited " + maxWait + " for " + bytes + " bytes of the memory budget of " + capacity
                  + " bytes: " + used + " bytes are held by " + held.size() + " engines. Raise"
                  + " the budget or lower the number of concurrent bundles.");
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for memory", e);
        }
      }
    } finally {
      waiting.remove(consumer);
    }
    holding(consumer)[0] += bytes;
    used += bytes;
  }

  /** True when every consumer waits and no waiter's request fits: no one is left to release. */
  private boolean deadlocked() {
    if (waiting.size() < held.size()) {
      return false;
    }
    for (long request : waiting.values()) {
      if (used + request <= capacity) {
        return false;
      }
    }
    return true;
  }

  synchronized void release(Object consumer, long bytes) {
    long[] h = holding(consumer);
    if (bytes > h[0]) {
      throw new IllegalStateException("releases " + bytes + " bytes but holds " + h[0]);
    }
    h[0] -= bytes;
    used -= bytes;
    notifyAll();
  }

  private long[] holding(Object consumer) {
    long[] h = held.get(consumer);
    if (h == null) {
      throw new IllegalStateException("consumer is not registered with this memory pool");
    }
    return h;
  }
}
