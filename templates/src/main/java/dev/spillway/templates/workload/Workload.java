package dev.spillway.templates.workload;

/** The standard workloads of benchmarks/WORKLOADS.md, with their default sizes. */
public enum Workload {
  COMBINE(20_000_000L, 2_000_000L),
  GROUP(10_000_000L, 1_000_000L),
  SKEW(10_000_000L, 1_000_000L),
  /** Keys are whole 64-bit values (K = 2^64, written as 0). */
  SORT(20_000_000L, 0L);

  private final long defaultRecords;
  private final long defaultKeys;

  Workload(long defaultRecords, long defaultKeys) {
    this.defaultRecords = defaultRecords;
    this.defaultKeys = defaultKeys;
  }

  public long defaultRecords() {
    return defaultRecords;
  }

  /** The default key space; 0 stands for 2^64. */
  public long defaultKeys() {
    return defaultKeys;
  }

  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
