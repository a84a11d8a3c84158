package dev.spillway.spill;

/**
 * Splits each key's records, in the order of their sort keys, into groups of adjacent records: for
 * {@link SortedGroupBy#finish(GroupSplitter)}, where a group is not a whole key but a run of its
 * records, such as the records of one merged session window.
 *
 * <p>A splitter sees every record's sort key once, in order: {@link #begin} for the first record of
 * a group (and of every key), {@link #joins} for each record after it. A splitter that keeps state
 * (a session's end, say) must leave it as it was when {@code joins} refuses a record: the group
 * just ended is handed out after that call, and {@code begin} follows only when the next group is
 * asked for.
 *
 * <pre>{@code
 * // Sort keys are 8-byte window starts: a group is a run of starts less than 1000 ms apart.
 * GroupSplitter gaps = new GroupSplitter() {
 *   long last;
 *   public void begin(byte[] k, int off, int len) { last = OrderedBytes.decodeLong(k, off); }
 *   public boolean joins(byte[] k, int off, int len) {
 *     long t = OrderedBytes.decodeLong(k, off);
 *     if (t - last >= 1000) return false;
 *     last = t;
 *     return true;
 *   }
 * };
 * }</pre>
 */
public interface GroupSplitter {
  /** The first record of a group has the sort key {@code sortKey[offset, offset + length)}. */
  void begin(byte[] sortKey, int offset, int length);

  /**
   * Whether the next record of the same key, with sort key {@code sortKey[offset, offset +
   * length)}, belongs to the current group; if not, it begins the next group.
   */
  boolean joins(byte[] sortKey, int offset, int length);
}
