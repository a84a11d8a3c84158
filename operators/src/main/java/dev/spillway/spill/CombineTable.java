package dev.spillway.spill;

/**
 * The in-memory state of an {@link ExternalMerger} (and a {@link PartialCombiner}): a {@link
 * KeyIndex} from keys to accumulators. The accumulators are kept by an {@link AccumulatorColumn}:
 * as longs in one array when the aggregator has a {@link LongLayout}, else as objects weighed by
 * the heap they take ({@link ObjectAccumulators}). The column also owns how accumulators are
 * encoded in the engine's spill files ({@link #encode}, {@link #decode}).
 */
final class CombineTable<V, A> {
  private final ByteArena arena;
  private final KeyIndex index;
  private final AccumulatorColumn<V, A> column;
  private final ByteSink scratch = new ByteSink();

  CombineTable(Aggregator<V, A> aggregator, ValueCodec<A> codec, EngineResources resources) {
    LongLayout<V, A> layout = aggregator.longLayout();
    this.column =
        layout != null
            ? new LongAccumulators<>(layout)
            : new ObjectAccumulators<>(aggregator, codec, resources);
    this.arena = new ByteArena(resources.reservation, resources.plan.pageBytes());
    this.index = new KeyIndex(arena, resources.reservation, resources.config.hasher(), column);
  }

  KeyIndex index() {
    return index;
  }

  int size() {
    return index.size();
  }

  /** Adds a value; false if there was no memory for a new key (nothing changed: spill, retry). */
  boolean addInput(byte[] key, int offset, int length, V value) {
    int id = index.findOrInsert(key, offset, length, index.hash(key, offset, length));
    if (id == KeyIndex.NO_MEMORY) {
      return false;
    }
    if (id < 0) {
      column.create(-id - 1, value);
    } else {
      column.add(id, value);
    }
    return true;
  }

  /** Merges an accumulator; false if there was no memory for a new key (nothing changed). */
  boolean mergeAccumulator(byte[] key, int offset, int length, int hash, A accumulator) {
    int id = index.findOrInsert(key, offset, length, hash);
    if (id == KeyIndex.NO_MEMORY) {
      return false;
    }
    if (id < 0) {
      column.insert(-id - 1, accumulator);
    } else {
      column.merge(id, accumulator);
    }
    return true;
  }

  /**
   * Merges the spill-encoded accumulator {@code bytes[valueOffset, valueOffset+valueLength)}; false
   * if there was no memory for a new key (nothing changed).
   */
  boolean mergeEncoded(
      byte[] key,
      int offset,
      int length,
      int hash,
      byte[] bytes,
      int valueOffset,
      int valueLength) {
    int id = index.findOrInsert(key, offset, length, hash);
    if (id == KeyIndex.NO_MEMORY) {
      return false;
    }
    if (id < 0) {
      column.insertEncoded(-id - 1, bytes, valueOffset, valueLength);
    } else {
      column.mergeEncoded(id, bytes, valueOffset, valueLength);
    }
    return true;
  }

  /** Entry {@code id}'s accumulator (a new object when the column holds longs). */
  A accumulator(int id) {
    return column.get(id);
  }

  /** True when the accumulators outgrew what the reservation granted: spill now. */
  boolean overBudget() {
    return column.overBudget();
  }

  /** Bytes of records held: keys and accumulators (what a spill frees). */
  long recordBytes() {
    return arena.reservedBytes() + column.reservedBytes();
  }

  /** Empties the table and gives back its arrays' memory too (before a sorted merge). */
  void shrink(long seed) {
    reset(seed);
    index.shrink();
  }

  /** Empties the table for keys hashed under {@code seed}, returning the records' memory. */
  void reset(long seed) {
    column.clear(index.size());
    index.reset(seed);
    arena.reset();
  }

  /** Spill-encodes an entry's accumulator into the scratch sink; returns it. */
  ByteSink encode(int id) {
    scratch.clear();
    column.encode(id, scratch);
    return scratch;
  }

  /** Spill-encodes the accumulator of {@code value} alone. */
  void encodeCreated(V value, ByteSink out) {
    column.encodeCreated(value, out);
  }

  void encodeValue(A accumulator, ByteSink out) {
    column.encodeAccumulator(accumulator, out);
  }

  A decode(byte[] bytes, int offset, int length) {
    return column.decode(bytes, offset, length);
  }

  /** Merges the spill-encoded accumulator {@code bytes[offset, offset+length)} into {@code acc}. */
  A mergeEncoded(A acc, byte[] bytes, int offset, int length) {
    return column.mergeEncoded(acc, bytes, offset, length);
  }

  /**
   * The heap {@code accumulator} takes; fails if the budget could never hold it (the sorted merge,
   * which holds one accumulator outside the table, asks too).
   */
  long checkFits(A accumulator) {
    return column.checkFits(accumulator);
  }

  /** The column, for tests that look at how accumulators are weighed. */
  AccumulatorColumn<V, A> column() {
    return column;
  }
}
