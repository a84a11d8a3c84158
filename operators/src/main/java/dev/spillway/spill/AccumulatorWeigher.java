package dev.spillway.spill;

import java.lang.management.ManagementFactory;

/**
 * The heap an accumulator object takes, told from its encoded size: {@link
 * CombineTable#ACCUMULATOR_OVERHEAD} plus the encoding, scaled by a ratio measured on a sample of
 * the accumulators made. Making an accumulator (creating one for a new key's first value, or
 * decoding one) allocates its whole object graph, and HotSpot counts every byte a thread allocates,
 * so the count around the making is the accumulator's heap size, with whatever garbage the making
 * leaves (a safe error: it over-counts).
 *
 * <p>Why: an accumulator can be far larger on the heap than its encoding. The command line's {@code
 * aggregate} keeps, per key, an object with six small arrays (about 300 heap bytes against a few
 * dozen encoded); weighed by its encoding, a 700 MiB budget in a 1 GiB heap ran out of heap.
 *
 * <p>Where the JVM has no per-thread allocation counter, the ratio stays 1: the encoded size.
 */
final class AccumulatorWeigher {
  /** One accumulator in this many made is measured; the first always. */
  static final int SAMPLE_EVERY = 64;

  /**
   * The most heap bytes per weighed byte believed: a bound on a sample spoiled by a stray burst.
   */
  static final double MAX_RATIO = 64;

  private static final com.sun.management.ThreadMXBean THREADS = allocationCounter();

  private final AllocationCounter counter;
  private double ratio = 1;
  private boolean sampled;
  private long made;

  /** Counts the bytes the calling thread has allocated so far; -1 where that is not known. */
  @FunctionalInterface
  interface AllocationCounter {
    long allocatedBytes();
  }

  AccumulatorWeigher() {
    this(THREADS == null ? () -> -1 : THREADS::getCurrentThreadAllocatedBytes);
  }

  /** For tests: a weigher reading {@code counter}. */
  AccumulatorWeigher(AllocationCounter counter) {
    this.counter = counter;
  }

  private static com.sun.management.ThreadMXBean allocationCounter() {
    try {
      if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean) {
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (threads.isThreadAllocatedMemorySupported()) {
          threads.setThreadAllocatedMemoryEnabled(true);
          return threads;
        }
      }
    } catch (RuntimeException | LinkageError e) {
      // No jdk.management module, or a JVM without the counter: weigh by encoded size.
    }
    return null;
  }

  /**
   * Call before making an accumulator: the allocation count to pass to {@link #made}, or -1 when
   * this one is not sampled.
   */
  long beforeMaking() {
    if (made++ % SAMPLE_EVERY != 0) {
      return -1;
    }
    return counter.allocatedBytes();
  }

  /**
   * Call after making an accumulator whose encoding takes {@code encodedBytes}, with what {@link
   * #beforeMaking} returned: updates the ratio from a sampled one.
   */
  void made(long before, int encodedBytes) {
    if (before < 0) {
      return;
    }
    long after = counter.allocatedBytes();
    if (after < before) {
      return;
    }
    double sample = (after - before) / (double) (CombineTable.ACCUMULATOR_OVERHEAD + encodedBytes);
    double next = sampled ? 0.75 * ratio + 0.25 * sample : sample;
    sampled = true;
    ratio = Math.max(1, Math.min(MAX_RATIO, next));
  }

  /** The heap bytes of an accumulator whose encoding takes {@code encodedBytes}. */
  int weight(int encodedBytes) {
    return (int) Math.ceil((CombineTable.ACCUMULATOR_OVERHEAD + encodedBytes) * ratio);
  }
}
