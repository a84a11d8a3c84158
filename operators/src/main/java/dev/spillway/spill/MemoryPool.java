package dev.spillway.spill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A hard cap on the bytes that the engines of one JVM hold, shared by all engines given the same
 * pool, so that N concurrent bundles cannot take N budgets.
 *
 * <p>The policy follows Spark's execution pool: with N registered consumers, none may grow past
 * {@code capacity / N}; a request that would pass that share, or the free bytes, is refused and the
 * consumer spills. A consumer that must have memory to go on at all ({@link #acquire}) waits for
 * free bytes, whatever its share, until others release them: for as long as a thread holding memory
 * runs (works toward releasing it), and up to a timeout when none does, then fails naming the
 * pool's state. Engines give back their arrays before they wait, and take their floor in one
 * request, so that waiting engines hold as little as they can.
 *
 * <p>Beam steps fused on one thread (a group whose output feeds a sort, a combine feeding the next
 * combine) hold several engines that cannot wait for each other: the thread that would release is
 * the one waiting. As Spark's task memory manager spills the other consumers of a task before it
 * refuses one, a request that does not fit first asks the other consumers last used by the
 * requesting thread to {@linkplain #onDemand spill on demand} (engines still taking input write
 * their tables out), largest first. If that is not enough and no consumer can release anything —
 * each is waiting, or belongs to a thread that is — and no waiter's request fits, the request that
 * completes that circle fails at once instead of after the timeout.
 *
 * <p>A thread about to start several engines at once (a producer's combiner and the exchange writer
 * it flushes into) takes their floors in one request first ({@link #admit}): two threads that each
 * took one engine's floor and then waited for another's would wait for each other.
 *
 * <p>Thread-safe.
 */
public final class MemoryPool {
  private static final Duration DEFAULT_WAIT = Duration.ofMinutes(1);

  /** How often a waiting request looks whether the threads holding memory still run. */
  private static final long PROGRESS_CHECK_MILLIS = 1000;

  private final long capacity;
  private final Duration maxWait;
  private final Map<Object, Account> held = new IdentityHashMap<>();

  /** How many of {@link #held} are admissions, which take no share of the pool. */
  private int admissions;

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

  /** The bytes the pool hands out in all: the budget. */
  public long capacity() {
    return capacity;
  }

  /** The bytes its consumers hold now. */
  public synchronized long used() {
    return used;
  }

  synchronized void register(Object consumer) {
    held.computeIfAbsent(consumer, c -> new Account()).thread = Thread.currentThread();
  }

  /**
   * Lets the pool ask {@code consumer} to give memory back when another consumer of the same thread
   * needs it ({@code null}: it cannot). {@code release} runs on that thread, between the consumer's
   * own calls, and gives back what it can through {@link #release}.
   */
  synchronized void onDemand(Object consumer, Runnable release) {
    holding(consumer).releaseOnDemand = release;
  }

  /** Releases all that {@code consumer} holds and forgets it. */
  synchronized void unregister(Object consumer) {
    Account h = held.remove(consumer);
    if (h != null) {
      used -= h.bytes;
      if (h.admission) {
        admissions--;
      }
      notifyAll();
    }
  }

  /** The share a consumer would have if one more registered now. */
  synchronized long shareForNewConsumer() {
    return capacity / (engines() + 1);
  }

  /** The consumers registered, admissions aside. */
  private int engines() {
    return held.size() - admissions;
  }

  /** The most one consumer may hold now. */
  synchronized long fairShare() {
    return capacity / Math.max(1, engines());
  }

  /**
   * Takes {@code bytes} in one request, waiting for them if need be, for the engines the calling
   * thread starts next: their floors (the memory they must have to start: {@link #acquire}) come
   * out of it without waiting, and what they leave goes back to the pool when the admission closes.
   * Call it while the thread holds nothing else, and close it once the engines have started.
   *
   * <pre>{@code
   * try (MemoryPool.Admission start = pool.admit(writerBytes + combinerFloor)) {
   *   writer = new ExchangeWriter(config, dir, name, partitions, key);
   *   combiner = new PartialCombiner<>(aggregator, codec, config, writer);
   * }
   * }</pre>
   *
   * @throws IllegalStateException as {@link #acquire} does, if the bytes can never be had
   */
  public Admission admit(long bytes) {
    Admission admission = new Admission();
    synchronized (this) {
      Account account = new Account();
      account.admission = true;
      account.thread = Thread.currentThread();
      held.put(admission, account);
      admissions++;
    }
    try {
      acquireOrWait(admission, bytes);
    } catch (RuntimeException e) {
      unregister(admission);
      throw e;
    }
    return admission;
  }

  /** Grants all of {@code bytes} or nothing, without waiting. */
  synchronized boolean tryAcquire(Object consumer, long bytes) {
    Account h = holding(consumer);
    if (used + bytes > capacity || h.bytes + bytes > fairShare()) {
      return false;
    }
    h.bytes += bytes;
    used += bytes;
    return true;
  }

  /**
   * Grants {@code bytes}: asks the other consumers of the calling thread to release on demand if
   * they do not fit, then waits for other threads' consumers to release memory if need be.
   *
   * @throws IllegalStateException if the request can never be met or the wait times out
   */
  void acquire(Object consumer, long bytes) {
    long left = bytes - takeFromAdmission(consumer, bytes);
    if (left > 0) {
      askFusedConsumersToRelease(consumer, left);
      acquireOrWait(consumer, left);
    }
  }

  /** Moves up to {@code bytes} to {@code consumer} from the calling thread's admissions. */
  private synchronized long takeFromAdmission(Object consumer, long bytes) {
    Account to = holding(consumer);
    long taken = 0;
    for (Account from : held.values()) {
      if (from.admission && from.thread == to.thread && from.bytes > 0 && taken < bytes) {
        long t = Math.min(from.bytes, bytes - taken);
        from.bytes -= t;
        to.bytes += t;
        taken += t;
      }
    }
    return taken;
  }

  /**
   * Unless {@code bytes} fit now, asks the other consumers of the calling thread that can release
   * on demand to do so, largest holder first, until they fit. Runs outside the pool's lock: a
   * release writes files, and the consumers asked belong to this thread, so nothing else touches
   * them meanwhile.
   */
  private void askFusedConsumersToRelease(Object requester, long bytes) {
    List<Account> asked = new ArrayList<>();
    synchronized (this) {
      if (used + bytes <= capacity || bytes > capacity) {
        return;
      }
      Thread thread = Thread.currentThread();
      held.forEach(
          (consumer, account) -> {
            if (consumer != requester
                && account.thread == thread
                && account.bytes > 0
                && account.releaseOnDemand != null
                && !account.releasing) {
              asked.add(account);
            }
          });
      asked.sort(Comparator.comparingLong((Account a) -> a.bytes).reversed());
    }
    for (Account account : asked) {
      synchronized (this) {
        if (used + bytes <= capacity) {
          return;
        }
        account.releasing = true;
      }
      try {
        account.releaseOnDemand.run();
      } catch (RuntimeException e) {
        // That engine's own next call meets its failure (a full disk, say); this request goes on
        // to wait or fail on its own terms, not with another engine's error.
      } finally {
        synchronized (this) {
          account.releasing = false;
        }
      }
    }
  }

  private synchronized void acquireOrWait(Object consumer, long bytes) {
    if (bytes > capacity) {
      throw new IllegalStateException(
          "needs "
              + bytes
              + " bytes of memory, more than the whole memory budget of "
              + capacity
              + " bytes");
    }
    Account account = holding(consumer);
    long own = account.bytes;
    if (own + bytes > capacity) {
      throw new IllegalStateException(
          "needs "
              + bytes
              + " more bytes of memory but already holds "
              + own
              + " of the whole memory budget of "
              + capacity
              + " bytes");
    }
    // The wait ends in failure only after maxWait in which no thread holding memory ran: a holder
    // that works (spills, merges, writes its output) will release in time, however long that
    // takes; one blocked outside the pool (a runner's back-pressure on the very step that would
    // free this one) would not, and the wait must not hang.
    long lastProgress = System.nanoTime();
    // Waiting ignores the fair share: a consumer that must have memory to go on takes free bytes
    // wherever they are; the share only bounds growth (tryAcquire), which makes others spill.
    account.waitingFor = bytes;
    try {
      while (used + bytes > capacity) {
        int waiters = deadlockedWaiters();
        if (waiters > 0) {
          throw new IllegalStateException(
              "needs "
                  + bytes
                  + " bytes of the memory budget of "
                  + capacity
                  + " bytes, but none of the "
                  + engines()
                  + " engines sharing it can"
                  + " release any of the "
                  + used
                  + " bytes in use (waiting for memory: "
                  + waiters
                  + "; the others are used by the waiting threads, as steps fused on"
                  + " one thread are, such as a group whose output feeds a sort, or the steps"
                  + " of many spillway transforms reading one input). Raise the budget, lower"
                  + " the number of concurrent bundles, or put fewer spillway steps on one"
                  + " thread.");
        }
        long now = System.nanoTime();
        if (aHolderRuns()) {
          lastProgress = now;
        }
        long left = lastProgress + maxWait.toNanos() - now;
        if (left <= 0) {
          throw new IllegalStateException(
              "waited "
                  + maxWait
                  + " for "
                  + bytes
                  + " bytes of the memory budget of "
                  + capacity
                  + " bytes: "
                  + used
                  + " bytes are held by "
                  + engines()
                  + " engines, and none of their threads ran meanwhile. Raise"
                  + " the budget or lower the number of concurrent bundles.");
        }
        try {
          wait(Math.max(1, Math.min(left / 1_000_000, PROGRESS_CHECK_MILLIS)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for memory", e);
        }
      }
    } finally {
      account.waitingFor = 0;
    }
    account.bytes += bytes;
    used += bytes;
  }

  /**
   * True if a thread holding memory, other than the caller's and the waiting ones, is running now
   * (not waiting or blocked): it is working, and will release what it holds.
   */
  private boolean aHolderRuns() {
    Thread self = Thread.currentThread();
    for (Account a : held.values()) {
      if (a.bytes > 0
          && a.waitingFor == 0
          && a.thread != null
          && a.thread != self
          && a.thread.getState() == Thread.State.RUNNABLE) {
        return true;
      }
    }
    return false;
  }

  /**
   * How many consumers wait, if none can release anything — each waits, or was last used by a
   * thread that waits — and no waiter's request fits; else 0. Called by a waiting request, so a
   * deadlock counts at least that one.
   */
  private int deadlockedWaiters() {
    Set<Thread> waitingThreads = Collections.newSetFromMap(new IdentityHashMap<>());
    int waiters = 0;
    for (Account account : held.values()) {
      if (account.waitingFor > 0) {
        if (used + account.waitingFor <= capacity) {
          return 0;
        }
        waitingThreads.add(account.thread);
        waiters++;
      }
    }
    for (Account account : held.values()) {
      if (!waitingThreads.contains(account.thread)) {
        return 0;
      }
    }
    return waiters;
  }

  synchronized void release(Object consumer, long bytes) {
    Account h = holding(consumer);
    if (bytes > h.bytes) {
      throw new IllegalStateException("releases " + bytes + " bytes but holds " + h.bytes);
    }
    h.bytes -= bytes;
    used -= bytes;
    notifyAll();
  }

  /** {@code consumer}'s account, which notes the calling thread as the one using it now. */
  private Account holding(Object consumer) {
    Account h = held.get(consumer);
    if (h == null) {
      throw new IllegalStateException("consumer is not registered with this memory pool");
    }
    h.thread = Thread.currentThread();
    return h;
  }

  /**
   * What one consumer holds, the thread that last asked the pool on its behalf, the bytes it waits
   * for (0 when it does not wait), and how it releases memory on demand.
   */
  private static final class Account {
    long bytes;
    Thread thread;
    long waitingFor;

    /** What gives memory back when a consumer of the same thread needs it; null if nothing. */
    Runnable releaseOnDemand;

    /** True while {@link #releaseOnDemand} runs, so that it is not asked again from within. */
    boolean releasing;

    /** True for an {@link Admission}'s bytes, which its thread's consumers take from. */
    boolean admission;
  }

  /**
   * Bytes taken for the engines a thread starts next ({@link #admit}); closing it gives back what
   * they did not take. Idempotent.
   */
  public final class Admission implements AutoCloseable {
    private Admission() {}

    @Override
    public void close() {
      unregister(this);
    }
  }
}
