package dev.spillway.spill;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link MemoryPool} per budget for the whole JVM, so that every engine a runner starts in a
 * worker process — concurrent bundles, fused steps, several transforms — shares one budget, as
 * Spark's executors share one execution memory pool among their tasks.
 *
 * <pre>{@code
 * SpillConfig config = SpillConfig.withPool(JvmMemoryPools.ofBytes(256L << 20));
 * }</pre>
 */
public final class JvmMemoryPools {
  private static final ConcurrentHashMap<Long, MemoryPool> POOLS = new ConcurrentHashMap<>();

  private JvmMemoryPools() {}

  /** This JVM's pool of {@code capacityBytes}, made on first use. */
  public static MemoryPool ofBytes(long capacityBytes) {
    return POOLS.computeIfAbsent(capacityBytes, MemoryPool::ofBytes);
  }
}
