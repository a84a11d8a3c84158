package dev.spillway.spill;

/**
 * Whether a hash table is worth its hashing, judged per fill (from one emptying of the table to the
 * next) by how many records its keys took: a table holding more than {@code 1 - minReduction} keys
 * a record gives way — to an append buffer in the spilling engines, to passing records straight
 * through in the {@link PartialCombiner}. A fill is judged once its records take half the memory,
 * so an input that fits in memory is never spilled for it, and again when the table is emptied.
 */
final class TableJudge {
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
