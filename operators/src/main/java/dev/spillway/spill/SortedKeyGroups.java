package dev.spillway.spill;

/**
 * Walks records sorted by key and gathers each key's run of values into {@link SpillableValues}
 * (pages, spilled past the budget), so that a key with more values than memory holds comes out
 * whole and re-iterable: the sorted fallback of {@link ExternalGroupBy} and the output of {@link
 * SortedGroupBy}. The grouping key may be a part of the sorted records' keys ({@link KeyPart}).
 */
final class SortedKeyGroups implements AutoCloseable {
  /** Where the grouping key lies within a sorted record's key. */
  interface KeyPart {
    /** The whole record key. */
    KeyPart WHOLE = new KeyPart() {
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
    KeyPart LENGTH_PREFIXED = new KeyPart() {
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

  private final RecordCursor merge;
  private final KeyPart part;
  final ByteSink key = new ByteSink();
  final SpillableValues values;
  private boolean positioned;
  private boolean exhausted;

  SortedKeyGroups(RecordCursor sorted, KeyPart part, EngineResources resources) {
    this.merge = sorted;
    this.part = part;
    this.values = new SpillableValues(resources);
  }

  /** Gathers the next key's values into {@link #values}, its key into {@link #key}. */
  boolean next() {
    values.clear();
    if (!positioned) {
      positioned = true;
      exhausted = !merge.next();
    }
    if (exhausted) {
      return false;
    }
    key.clear();
    key.write(merge.keyArray(), part.offset(merge.keyArray(), merge.keyOffset()),
        part.length(merge.keyArray(), merge.keyOffset(), merge.keyLength()));
    do {
      values.add(merge.valueArray(), merge.valueOffset(), merge.valueLength());
      if (!merge.next()) {
        exhausted = true;
        break;
      }
    } while (Bytes.equal(merge.keyArray(), part.offset(merge.keyArray(), merge.keyOffset()),
        part.length(merge.keyArray(), merge.keyOffset(), merge.keyLength()), key.array(), 0,
        key.length()));
    return true;
  }

  @Override
  public void close() {
    try {
      values.clear();
    } finally {
      merge.close();
    }
  }
}
