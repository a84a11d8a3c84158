package dev.spillway.spill;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an accumulator costs on the heap beyond its encoding: the bytes that making an empty one
 * allocates (its object header, fields and the arrays or objects it starts with), measured once per
 * accumulator class and JVM with HotSpot's per-thread allocation counter, less its own encoding,
 * and never less than {@link CombineTable#ACCUMULATOR_OVERHEAD}. A combine table weighs each
 * accumulator as this overhead plus its encoded size.
 *
 * <p>Why: an accumulator can be far larger on the heap than its encoding. The command line's {@code
 * aggregate} keeps, per key, an object with six small arrays, about 300 heap bytes against a few
 * dozen encoded; weighed as 24 bytes plus its encoding, a 700 MiB budget ran a 1 GiB heap out of
 * memory. An empty accumulator's cost does not depend on the data, so engines given the same input
 * spill at the same points, run after run. What an accumulator grows by is still weighed by its
 * encoding.
 *
 * <p>Where the aggregator makes no empty accumulator, or the JVM has no allocation counter, the
 * overhead is {@link CombineTable#ACCUMULATOR_OVERHEAD}.
 */
final class AccumulatorOverhead {
  private static final Map<Class<?>, Integer> BY_CLASS = new ConcurrentHashMap<>();
  private static final AllocationCounter THREAD = allocationCounter();

  private AccumulatorOverhead() {}

  /** Counts the bytes the calling thread has allocated so far. */
  @FunctionalInterface
  interface AllocationCounter {
    long allocatedBytes();
  }

  /** The overhead of {@code aggregator}'s accumulators, encoded by {@code codec}. */
  static <A> int of(Aggregator<?, A> aggregator, ValueCodec<A> codec) {
    return THREAD == null
        ? CombineTable.ACCUMULATOR_OVERHEAD
        : of(aggregator, codec, THREAD, BY_CLASS);
  }

  /** As {@link #of(Aggregator, ValueCodec)}, with a counter and a cache of one's own (tests). */
  static <A> int of(
      Aggregator<?, A> aggregator,
      ValueCodec<A> codec,
      AllocationCounter counter,
      Map<Class<?>, Integer> byClass) {
    // A first one loads and initialises its classes, which would count their static state too.
    A first = aggregator.emptyAccumulator();
    if (first == null) {
      return CombineTable.ACCUMULATOR_OVERHEAD;
    }
    Integer known = byClass.get(first.getClass());
    if (known != null) {
      return known;
    }
    long before = counter.allocatedBytes();
    A empty = aggregator.emptyAccumulator();
    long allocated = counter.allocatedBytes() - before;
    ByteSink encoded = new ByteSink();
    codec.encode(empty, encoded);
    int overhead =
        (int)
            Math.max(
                CombineTable.ACCUMULATOR_OVERHEAD,
                Math.min(Integer.MAX_VALUE / 2, allocated - encoded.length()));
    Integer earlier = byClass.putIfAbsent(first.getClass(), overhead);
    return earlier == null ? overhead : earlier;
  }

  private static AllocationCounter allocationCounter() {
    try {
      if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean) {
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (threads.isThreadAllocatedMemorySupported()) {
          threads.setThreadAllocatedMemoryEnabled(true);
          return threads::getCurrentThreadAllocatedBytes;
        }
      }
    } catch (RuntimeException | LinkageError e) {
      // No jdk.management module, or a JVM without the counter: the least overhead.
    }
    return null;
  }
}
