package dev.spillway.templates.workload;

/**
 * The generator of benchmarks/WORKLOADS.md, exactly: all arithmetic on unsigned 64-bit integers,
 * wrapping.
 */
public final class Generator {
  public static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Generator() {}

  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** rand(seed, i) = mix64(seed + (i + 1) * GOLDEN). */
  public static long rand(long seed, long i) {
    return mix64(seed + (i + 1) * GOLDEN);
  }

  /** The key of record {@code r} for key space {@code keys} (0 means 2^64: r itself, signed). */
  public static long key(Workload workload, long r, long keys) {
    if (workload == Workload.SORT || keys == 0) {
      return r;
    }
    if (workload == Workload.SKEW && (r & 1) == 0) {
      return 0;
    }
    return Long.remainderUnsigned(r, keys);
  }

  /** value = r >> 48 (logical), 0..65535. */
  public static int value(long r) {
    return (int) (r >>> 48);
  }
}
