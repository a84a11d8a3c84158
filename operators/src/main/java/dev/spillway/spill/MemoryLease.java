package dev.spillway.spill;

/**
 * Memory taken from a {@link MemoryPool} by code outside the engines that holds bytes of its own (a
 * small buffer before it hands its records to an engine), so that those bytes count against the
 * same budget as every engine's: ask before holding, give back when done. Never waits: a refusal
 * means "hand the records to an engine, which can spill".
 *
 * <pre>{@code
 * try (MemoryLease lease = new MemoryLease(config.pool())) {
 *   if (!lease.tryReserve(record.length)) { sorter = new ExternalSorter(config); ... }
 * }
 * }</pre>
 */
public final class MemoryLease implements AutoCloseable {
  private static final long CHUNK_BYTES = 64 << 10;
  private final MemoryReservation reservation;

  /** A lease holding nothing yet from {@code pool}. */
  public MemoryLease(MemoryPool pool) {
    this.reservation = new MemoryReservation(pool, CHUNK_BYTES);
  }

  /** Counts {@code bytes} more as held, if the pool (and this holder's fair share) allows. */
  public boolean tryReserve(long bytes) {
    return reservation.tryReserve(bytes);
  }

  /** Bytes held. */
  public long used() {
    return reservation.used();
  }

  /** Gives everything back to the pool; the lease can be used again. */
  public void releaseAll() {
    reservation.release(reservation.used());
    reservation.trim();
  }

  /** Gives everything back and leaves the pool. */
  @Override
  public void close() {
    reservation.close();
  }
}
