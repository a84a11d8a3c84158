package dev.spillway.spill;

/**
 * One engine's account with a {@link MemoryPool}: the bytes its structures use, counted exactly
 * (the sizes of the arrays and pages it allocated, plus documented estimates for objects), and the
 * bytes it holds from the pool, taken in chunks so that the pool is not asked for every page.
 *
 * <p>Not thread-safe: one engine, one thread.
 */
final class MemoryReservation implements AutoCloseable {
  private final MemoryPool pool;
  private final long chunkBytes;
  private long used;
  private long held;

  /** Bytes held from the pool whatever is used, so that a spilled engine goes on unaided. */
  private long floor;

  /** The most {@link #tryReserve} lets this engine hold: unbounded until {@link #limitTo}. */
  private long limit = Long.MAX_VALUE;

  private long peak;
  private boolean closed;

  MemoryReservation(MemoryPool pool, long chunkBytes) {
    this.pool = pool;
    this.chunkBytes = chunkBytes;
    pool.register(this);
  }

  /**
   * Lets the pool ask this engine, through {@code release}, to give memory back when another engine
   * of its thread needs it (see {@link MemoryPool}).
   */
  void onDemand(Runnable release) {
    pool.onDemand(this, release);
  }

  /**
   * Caps what this engine may use from now on at {@code bytes} (never below its floor), whatever
   * its fair share: an engine handing out its output leaves room for engines fused after it.
   * Returns true if it uses more than that now.
   */
  boolean limitTo(long bytes) {
    limit = Math.max(floor, bytes);
    return used > limit;
  }

  /** Counts {@code bytes} more as used if the pool allows it; false means: spill first. */
  boolean tryReserve(long bytes) {
    // The limit bounds what is taken from the pool; spare bytes held already (the room a record
    // waited for) may be used.
    if (used + bytes > Math.max(limit, held)) {
      return false;
    }
    long missing = used + bytes - held;
    if (missing > 0) {
      long chunk = Math.max(missing, chunkBytes);
      if (!pool.tryAcquire(this, chunk)) {
        if (chunk == missing || !pool.tryAcquire(this, missing)) {
          return false;
        }
        chunk = missing;
      }
      held += chunk;
    }
    use(bytes);
    return true;
  }

  /** Counts {@code bytes} more as used, waiting for the pool if need be. */
  void reserve(long bytes) {
    reserveSpare(bytes);
    use(bytes);
  }

  /**
   * Holds at least {@code bytes} from the pool for as long as this reservation lives, waiting for
   * the pool if need be: after a spill, the engine continues within its floor without asking the
   * pool, so engines that share a thread (fused Beam steps) never wait on each other.
   */
  void holdFloor(long bytes) {
    reserveSpare(bytes - used);
    floor = bytes;
  }

  /** Holds {@code bytes} beyond what is used, waiting for the pool if need be. */
  void reserveSpare(long bytes) {
    long missing = used + bytes - held;
    if (missing > 0) {
      pool.acquire(this, missing);
      held += missing;
    }
  }

  void release(long bytes) {
    if (bytes > used) {
      throw new IllegalStateException("releases " + bytes + " bytes but uses " + used);
    }
    used -= bytes;
    long keep = Math.max(floor, used + chunkBytes);
    if (held - keep > chunkBytes) {
      long give = held - keep;
      pool.release(this, give);
      held -= give;
    }
  }

  /** Gives back every byte held beyond what is used and the floor. */
  void trim() {
    long give = held - Math.max(floor, used);
    if (give > 0) {
      pool.release(this, give);
      held -= give;
    }
  }

  long used() {
    return used;
  }

  long peak() {
    return peak;
  }

  /** The most this engine may hope to use now: its fair share of the pool, within its limit. */
  long fairShare() {
    return Math.min(pool.fairShare(), limit);
  }

  private void use(long bytes) {
    used += bytes;
    peak = Math.max(peak, used);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      used = 0;
      held = 0;
      pool.unregister(this);
    }
  }
}
