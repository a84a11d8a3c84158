package dev.spillway.spill;

/**
 * Where a {@link CombineTable} keeps its entries' accumulators, by entry id: as objects weighed by
 * the heap they take ({@link ObjectAccumulators}), or as longs in one array ({@link
 * LongAccumulators}) when the aggregator has a {@link LongLayout}. It also owns the encoding of
 * accumulators in the engine's spill files, which only the engine reads back.
 */
interface AccumulatorColumn<V, A> extends KeyIndex.Columns {
  /** Makes entry {@code id}'s accumulator from its first value. */
  void create(int id, V value);

  void add(int id, V value);

  /** Makes entry {@code id}'s accumulator {@code accumulator}, which it may keep. */
  void insert(int id, A accumulator);

  void merge(int id, A accumulator);

  /** Makes entry {@code id}'s accumulator from its spill encoding. */
  void insertEncoded(int id, byte[] bytes, int offset, int length);

  void mergeEncoded(int id, byte[] bytes, int offset, int length);

  /** Entry {@code id}'s accumulator as an object. */
  A get(int id);

  /** Writes entry {@code id}'s accumulator's spill encoding. */
  void encode(int id, ByteSink out);

  /** Writes the spill encoding of the accumulator of {@code value} alone. */
  void encodeCreated(V value, ByteSink out);

  void encodeAccumulator(A accumulator, ByteSink out);

  A decode(byte[] bytes, int offset, int length);

  /** Merges a spill encoding into {@code accumulator}; returns the result. */
  A mergeEncoded(A accumulator, byte[] bytes, int offset, int length);

  /** The heap {@code accumulator} takes; fails if the budget could never hold it. */
  long checkFits(A accumulator);

  /** Bytes held beyond the index's arrays and the keys, counted against the reservation. */
  long reservedBytes();

  /** True when the accumulators outgrew what the reservation granted: spill now. */
  boolean overBudget();

  /** Forgets the first {@code size} entries and returns what {@link #reservedBytes} counted. */
  void clear(int size);
}
