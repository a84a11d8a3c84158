package dev.spillway.spill;

/**
 * Walks records sorted by key and gathers each key's run of values into {@link SpillableValues}
 * (pages, spilled past the budget), so that a key with more values than memory holds comes out
 * whole and re-iterable: the sorted fallback of {@link ExternalGroupBy} and the output of {@link
 * SortedGroupBy}. The grouping key may be a part of the sorted records' keys ({@link
 * KeyRuns.KeyPart}).
 */
final class SortedKeyGroups implements AutoCloseable {
  private final KeyRuns runs;
  final SpillableValues values;

  SortedKeyGroups(RecordCursor sorted, KeyRuns.KeyPart part, EngineResources resources) {
    this(sorted, part, null, resources);
  }

  /** Groups split further by {@code splitter} (null: whole keys). */
  SortedKeyGroups(
      RecordCursor sorted,
      KeyRuns.KeyPart part,
      GroupSplitter splitter,
      EngineResources resources) {
    this.runs = new KeyRuns(sorted, part, splitter);
    this.values = new SpillableValues(resources);
  }

  /** Gathers the next group's values into {@link #values}; its key is {@link #keyArray}. */
  boolean next() {
    values.clear();
    if (!runs.nextKey()) {
      return false;
    }
    do {
      RecordCursor r = runs.record();
      values.add(r.valueArray(), r.valueOffset(), r.valueLength());
    } while (runs.nextInRun());
    return true;
  }

  /** The current key, in {@code keyArray()[0, keyLength())}. */
  byte[] keyArray() {
    return runs.keyArray();
  }

  int keyLength() {
    return runs.keyLength();
  }

  @Override
  public void close() {
    try {
      values.clear();
    } finally {
      runs.close();
    }
  }
}
