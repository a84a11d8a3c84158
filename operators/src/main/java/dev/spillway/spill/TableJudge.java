package dev.spillway.spill;

/**
 * Whether a hash table is worth its hashing, judged per fill (from one emptying of the table to the
 * next) by how many records its keys took: a table holding more than {@code 1 - minReduction} keys
 * a record gives way — to an append buffer in the spilling engines, to passing records straight
 * through in the {@link PartialCombiner}. A spilling engine's fill is judged once its records take
 * half the memory or {@link #MAX_JUDGE_BYTES}, whichever comes first, and again when the table is
 * emptied.
 *
 * <p>Why a fixed mark and not only half the memory: a table that does not combine enough costs a
 * few dependent cache misses per record, and those grow with the table. With 1M keys of ten values
 * each in a 339 MiB budget, the table held the whole input unjudged and took 5.9 s to fill, where
 * the same input judged at 10 MiB went to the append buffer, spilled and was grouped partition by
 * partition in 1.9 s (BENCHMARKS.md, the degradation curve).
 */
final class TableJudge {
  /** The most bytes of records a spilling engine's fill takes before it is judged. */
  static final long MAX_JUDGE_BYTES = 32L << 20;

  private final double minReduction;
  private long recordsInFill;
  private long judgeAtBytes = Long.MAX_VALUE;
  private boolean judgedMidFill;

  /** Judges tables that must combine at least {@code minReduction} of their records (0 to 1). */
  TableJudge(double minReduction) {
    this.minReduction = minReduction;
  }

  /** A new fill: no record counted; judged once its records take more than {@code judgeAtBytes}. */
  void startFill(long judgeAtBytes) {
    recordsInFill = 0;
    judgedMidFill = false;
    this.judgeAtBytes = judgeAtBytes;
  }

  /**
   * A new fill of a spilling engine's table holding at most {@code memoryBytes}: judged once its
   * records take half of that, or {@link #MAX_JUDGE_BYTES}.
   */
  void startEngineFill(long memoryBytes) {
    startFill(Math.min(memoryBytes / 2, MAX_JUDGE_BYTES));
  }

  /** Counts a record added to the table in this fill. */
  void countRecord() {
    recordsInFill++;
  }

  /**
   * True at most once a fill: when its records first take more than the fill's mark ({@code
   * recordBytes}) and the table, holding {@code keys} keys, {@link #stopsPaying stops paying}.
   */
  boolean stopsPayingMidFill(long recordBytes, int keys) {
    if (judgedMidFill || recordBytes <= judgeAtBytes) {
      return false;
    }
    judgedMidFill = true;
    return stopsPaying(keys);
  }

  /** Whether a table holding {@code keys} keys for this fill's records combines too little. */
  boolean stopsPaying(int keys) {
    return keys > (1 - minReduction) * recordsInFill;
  }
}
