package dev.spillway.spill;

/**
 * Walks records sorted by key one run of equal keys at a time: the sorted paths of the engines (a
 * merger combining a run into one accumulator, a group-by gathering a run's values). The key
 * compared may be a part of the records' keys ({@link KeyPart}), and a {@link GroupSplitter} may
 * split a key's run further by the rest of the record keys.
 *
 * <pre>{@code
 * while (runs.nextKey()) {            // at the first record of the next key
 *   do { use(runs.record()); } while (runs.nextInRun());
 * }
 * }</pre>
 */
final class KeyRuns implements AutoCloseable {
  /** Where the run's key lies within a sorted record's key. */
  interface KeyPart {
    /** The whole record key. */
    KeyPart WHOLE =
        new KeyPart() {
          @Override
          public int offset(byte[] key, int offset) {
            return offset;
          }

          @Override
          public int length(byte[] key, int offset, int length) {
            return length;
          }
        };

    /** A leading {@code [varint length][key]}, as {@link SortedGroupBy} writes its records. */
    KeyPart LENGTH_PREFIXED =
        new KeyPart() {
          @Override
          public int offset(byte[] key, int offset) {
            return offset + Varint.size(Varint.get(key, offset));
          }

          @Override
          public int length(byte[] key, int offset, int length) {
            return Varint.get(key, offset);
          }
        };

    int offset(byte[] key, int offset);

    int length(byte[] key, int offset, int length);
  }

  private final RecordCursor sorted;
  private final KeyPart part;

  /** Splits runs of equal keys further, by the rest of each record key; null to keep them whole. */
  private final GroupSplitter splitter;

  private final ByteSink key = new ByteSink();
  private boolean positioned;
  private boolean exhausted;

  /** True while {@link #record} belongs to the current key's run. */
  private boolean inRun;

  KeyRuns(RecordCursor sorted, KeyPart part) {
    this(sorted, part, null);
  }

  /**
   * Runs of equal keys split further by {@code splitter}, which sees what follows the key part in
   * each record key (the sort key).
   */
  KeyRuns(RecordCursor sorted, KeyPart part, GroupSplitter splitter) {
    this.sorted = sorted;
    this.part = part;
    this.splitter = splitter;
  }

  /**
   * Moves to the first record of the next key (skipping what is left of the current run); false
   * when no record is left.
   */
  boolean nextKey() {
    if (!positioned) {
      positioned = true;
      exhausted = !sorted.next();
    } else {
      while (nextInRun()) {
        // the rest of the current run
      }
    }
    if (exhausted) {
      return false;
    }
    int offset = part.offset(sorted.keyArray(), sorted.keyOffset());
    int length = part.length(sorted.keyArray(), sorted.keyOffset(), sorted.keyLength());
    key.clear();
    key.write(sorted.keyArray(), offset, length);
    if (splitter != null) {
      splitter.begin(sorted.keyArray(), offset + length, restOfKey(offset + length));
    }
    inRun = true;
    return true;
  }

  /** The length of the record key after {@code from}: the sort key a splitter sees. */
  private int restOfKey(int from) {
    return sorted.keyOffset() + sorted.keyLength() - from;
  }

  /** Moves to the current key's next record; false at the end of its run. */
  boolean nextInRun() {
    if (!inRun) {
      return false;
    }
    if (!sorted.next()) {
      exhausted = true;
      inRun = false;
      return false;
    }
    int offset = part.offset(sorted.keyArray(), sorted.keyOffset());
    int length = part.length(sorted.keyArray(), sorted.keyOffset(), sorted.keyLength());
    inRun =
        Bytes.equal(sorted.keyArray(), offset, length, key.array(), 0, key.length())
            && (splitter == null
                || splitter.joins(sorted.keyArray(), offset + length, restOfKey(offset + length)));
    return inRun;
  }

  /** The record the walk is at, once {@link #nextKey} or {@link #nextInRun} returned true. */
  RecordCursor record() {
    return sorted;
  }

  /** The current run's key, in {@code keyArray()[0, keyLength())}. */
  byte[] keyArray() {
    return key.array();
  }

  int keyLength() {
    return key.length();
  }

  @Override
  public void close() {
    sorted.close();
  }
}
