package dev.spillway.transforms;

/**
 * The bound on a group handed downstream as one element, which the receiving step holds on its heap
 * ({@link SpillOptions#withMaxGroupBytes}): counts a group's encoded bytes as they come and fails
 * the bundle by name past the bound, pointing to the form that streams a group of any size from the
 * engine, instead of letting the group outgrow the heap.
 */
final class GroupBytesLimit {
  private final long maxBytes;
  private final String whatOfOneGroup;
  private final String items;
  private final String instead;
  private long bytes;
  private long count;

  /**
   * A bound of {@code maxBytes}, whose error says "{@code whatOfOneGroup} come to more than … ({N}
   * {@code items} so far)" and to use {@code instead}.
   */
  GroupBytesLimit(long maxBytes, String whatOfOneGroup, String items, String instead) {
    this.maxBytes = maxBytes;
    this.whatOfOneGroup = whatOfOneGroup;
    this.items = items;
    this.instead = instead;
  }

  /**
   * Counts one item of {@code itemBytes} encoded bytes; fails if the group is now past the bound.
   */
  void add(long itemBytes) {
    bytes += itemBytes;
    count++;
    if (bytes > maxBytes) {
      throw new IllegalStateException(
          whatOfOneGroup
              + " come to more than "
              + maxBytes
              + " bytes encoded ("
              + count
              + " "
              + items
              + " so far), more than the group handed downstream as one element may hold"
              + " (SpillOptions.withMaxGroupBytes; by default a quarter of the heap). "
              + instead);
    }
  }

  /** Starts counting the next group. */
  void reset() {
    bytes = 0;
    count = 0;
  }
}
