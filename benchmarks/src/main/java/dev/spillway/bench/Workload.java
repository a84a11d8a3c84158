package dev.spillway.bench;

/** The standard workloads of shared/bench/WORKLOADS.md, with their default sizes. */
enum Workload {
  COMBINE(20_000_000L, 2_000_000L),
  GROUP(10_000_000L, 1_000_000L),
  SKEW(10_000_000L, 1_000_000L),
  /** Keys are whole 64-bit values (K = 2^64, written as 0). */
  SORT(20_000_000L, 0L);

  final long defaultRecords;
  final long defaultKeys;

  Workload(long defaultRecords, long defaultKeys) {
    this.defaultRecords = defaultRecords;
    this.defaultKeys = defaultKeys;
  }

  String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
