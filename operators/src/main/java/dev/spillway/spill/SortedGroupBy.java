package dev.spillway.spill;

/**
 * Groups values by key and hands each key's values sorted by a secondary key: a {@code GroupByKey}
 * followed by the Beam sorter extension's {@code SortValues}, in one external sort, with no cap on
 * a group's size. Each key's values are re-iterable, streamed from memory pages or spill segments,
 * never gathered on the heap.
 *
 * <p>How: records are sorted by {@code [key length][key][sort key]} (an {@link ExternalSorter},
 * stable, so values with equal sort keys keep the order they were added in); walking the merged
 * runs, each key's values are gathered into {@link SpillableValues}, in memory while they fit the
 * budget, spilled beyond it. The sorter shares this engine's budget with the gathered values, so it
 * always writes its runs to disk before the walk (as the hash engines' sorted fallback does). Keys
 * come out ordered by their length, then their bytes; sort keys compare as unsigned bytes, shorter
 * first on a common prefix.
 *
 * <pre>{@code
 * try (SortedGroupBy groups = new SortedGroupBy(SpillConfig.withBudget(64 << 20))) {
 *   groups.add(user, 0, user.length, time, 0, time.length, event, 0, event.length);
 *   try (GroupCursor out = groups.finish()) {
 *     while (out.next()) { for (ValueCursor v = out.values().cursor(); v.next(); ) { ... } }
 *   }
 * }
 * }</pre>
 */
public final class SortedGroupBy implements SpillingEngine {
  private final EngineResources resources;
  private final ExternalSorter sorter;
  private final ByteSink composite = new ByteSink();
  private final byte[] lengthBytes = new byte[5];
  private boolean finished;

  /** A group-by that sorts every record, within {@code config}'s budget and disks. */
  public SortedGroupBy(SpillConfig config) {
    this(new EngineResources(config));
  }

  private SortedGroupBy(EngineResources resources) {
    this.resources = resources;
    try {
      this.sorter = new ExternalSorter(resources.borrow());
    } catch (RuntimeException e) {
      resources.close();
      throw e;
    }
  }

  /**
   * A sorted group-by on this one's budget, disks and block buffers, to sort this one's output
   * again (its records, from {@link #finishRecords}, regrouped by another key): it takes no memory
   * floor of its own, so the two together hold what one engine holds, and its spills count in this
   * engine's statistics. Call it once this engine's input is finished: the first sort's output then
   * lies on disk, and the second sort's memory comes out of the floor that leaves free, so it
   * starts without waiting for the pool. Add this engine's output to it, close that output, then
   * finish it; close it before this engine (closing it deletes the files it made).
   *
   * @throws IllegalStateException if this engine's input is not finished
   */
  public SortedGroupBy sortAgain() {
    if (!finished) {
      throw new IllegalStateException(
          "sortAgain() comes after finishRecords() or finish(): started before, the second sort"
              + " would wait for memory that the first one holds");
    }
    return new SortedGroupBy(resources.borrow());
  }

  /** Adds {@code value} to the group of {@code key}, ordered within it by {@code sortKey}. */
  public void add(
      byte[] key,
      int keyOffset,
      int keyLength,
      byte[] sortKey,
      int sortKeyOffset,
      int sortKeyLength,
      byte[] value,
      int valueOffset,
      int valueLength) {
    resources.checkAdding("sorted group-by", finished);
    composite.clear();
    composite.write(lengthBytes, 0, Varint.put(lengthBytes, 0, keyLength));
    composite.write(key, keyOffset, keyLength);
    composite.write(sortKey, sortKeyOffset, sortKeyLength);
    sorter.add(composite.array(), 0, composite.length(), value, valueOffset, valueLength);
  }

  /**
   * Ends the input; returns the records one by one, sorted by key and sort key, each record key
   * {@code [key length: varint][key][sort key]}: for a caller that groups them itself, nothing of
   * them gathered in memory. Can be called once, in place of {@link #finish()}.
   */
  public RecordCursor finishRecords() {
    resources.checkFinishing("sorted group-by", finished);
    finished = true;
    return sorter.finish();
  }

  /** Ends the input; returns each key once with its sorted values. Can be called once. */
  public GroupCursor finish() {
    return finish(null);
  }

  /**
   * Ends the input; returns each key's sorted values split into groups by {@code splitter} (a key
   * once per group, in the order of its groups), each re-iterable as a whole key's would be: the
   * records of one merged session window, say, with window bounds as sort keys. Can be called once,
   * in place of {@link #finish()}.
   */
  public GroupCursor finish(GroupSplitter splitter) {
    resources.checkFinishing("sorted group-by", finished);
    finished = true;
    return new Output(sorter.finish(), splitter);
  }

  @Override
  public SpillStats stats() {
    return resources.stats();
  }

  /** Deletes every spill file and returns all memory. Idempotent. */
  @Override
  public void close() {
    try {
      sorter.close();
    } finally {
      resources.close();
    }
  }

  /** Each key's run of the sorted records, gathered. */
  private final class Output implements GroupCursor {
    private final SortedKeyGroups groups;

    Output(RecordCursor merge, GroupSplitter splitter) {
      this.groups =
          new SortedKeyGroups(merge, KeyRuns.KeyPart.LENGTH_PREFIXED, splitter, resources);
    }

    @Override
    public boolean next() {
      return groups.next();
    }

    @Override
    public byte[] keyArray() {
      return groups.keyArray();
    }

    @Override
    public int keyOffset() {
      return 0;
    }

    @Override
    public int keyLength() {
      return groups.keyLength();
    }

    @Override
    public GroupValues values() {
      return groups.values;
    }

    @Override
    public void close() {
      groups.close();
    }
  }
}
