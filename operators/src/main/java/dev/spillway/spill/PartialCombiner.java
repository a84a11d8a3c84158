package dev.spillway.spill;

/**
 * Combines values by key in memory and, when its budget is full, hands every accumulator to a
 * {@link RecordSink} and starts over instead of spilling: the partial side of a two-phase combine
 * whose merging side (an {@link ExternalMerger}, say) sees every key's partial accumulators and
 * merges them. Dataflow's grouping table flushes the same way. It never writes a file, so it holds
 * no block buffers.
 *
 * <p>A key can reach the sink more than once (once per flush it was in). When a flush finds that
 * the table combined less than half of its records (nearly every record a new key), combining does
 * not pay for its hashing: records then go to the sink as single-value accumulators, as they come,
 * for the rest of the input.
 *
 * <pre>{@code
 * try (ExchangeWriter out = new ExchangeWriter(config, dir, "task-3", 8, null);
 *     PartialCombiner<Long, long[]> partial = new PartialCombiner<>(sum, codec, config, out)) {
 *   partial.add(key, 0, key.length, value);
 *   partial.finish(); // flushes the rest
 *   out.finish();
 * }
 * }</pre>
 *
 * @param <V> the values
 * @param <A> the accumulators
 */
public final class PartialCombiner<V, A> implements SpillingEngine {
  private static final long SEED = 0x0DDB_A11_5EEDL;
  private static final double MIN_REDUCTION = 0.5;

  private final EngineResources resources;
  private final CombineTable<V, A> table;
  private final Aggregator<V, A> aggregator;

  /** The sink's encoding, which may differ from the table's spill encoding. */
  private final ValueCodec<A> codec;

  private final RecordSink sink;
  private final ByteSink encoded = new ByteSink();
  private final TableJudge judge = new TableJudge(MIN_REDUCTION);
  private long flushes;
  private long recordsOut;
  private boolean passThrough;
  private boolean finished;

  /**
   * A combiner that hands each full table's accumulators to {@code sink} instead of spilling them,
   * within {@code config}'s budget; accumulators are encoded with {@code accumulatorCodec}.
   */
  public PartialCombiner(
      Aggregator<V, A> aggregator,
      ValueCodec<A> accumulatorCodec,
      SpillConfig config,
      RecordSink sink) {
    this.resources = new EngineResources(config, false);
    this.aggregator = aggregator;
    this.codec = accumulatorCodec;
    this.sink = sink;
    try {
      this.table = new CombineTable<>(aggregator, accumulatorCodec, resources);
      table.reset(SEED);
    } catch (RuntimeException e) {
      resources.close();
      throw e;
    }
  }

  /**
   * The memory a partial combiner started now on {@code config} takes at once and holds while it
   * lives (for {@link MemoryPool#admit}).
   */
  public static long floorBytes(SpillConfig config) {
    return EngineResources.floorBytes(config, false);
  }

  /** Combines {@code value} into the accumulator of the key {@code key[offset, offset+length)}. */
  public void add(byte[] key, int offset, int length, V value) {
    resources.checkAdding("partial combiner", finished);
    if (passThrough) {
      passOn(key, offset, length, value);
      return;
    }
    judge.countRecord();
    if (!table.addInput(key, offset, length, value)) {
      resources.makeRoom(
          () -> table.addInput(key, offset, length, value),
          this::flush,
          () -> table.shrink(SEED),
          length,
          () -> {
            // A key larger than memory could hold: on to the sink by itself, uncombined.
            resources.recordLargeRecord();
            passOn(key, offset, length, value);
          });
    }
    if (table.overBudget()) {
      flush();
    }
  }

  /** Hands the accumulator of {@code value} alone to the sink. */
  private void passOn(byte[] key, int offset, int length, V value) {
    encoded.clear();
    codec.encode(aggregator.createAccumulator(value), encoded);
    sink.accept(key, offset, length, encoded.array(), 0, encoded.length());
    recordsOut++;
  }

  /** Hands every accumulator held to the sink and empties the table. */
  private void flush() {
    KeyIndex index = table.index();
    int n = index.size();
    for (int id = 0; id < n; id++) {
      encoded.clear();
      codec.encode(table.accumulator(id), encoded);
      sink.accept(
          index.keyArray(id),
          index.keyOffset(id),
          index.keyLength(id),
          encoded.array(),
          0,
          encoded.length());
    }
    recordsOut += n;
    if (n > 0) {
      flushes++;
    }
    if (judge.stopsPaying(n)) {
      passThrough = true;
      table.shrink(SEED);
    } else {
      table.reset(SEED);
    }
    judge.startFill(Long.MAX_VALUE); // judged at each flush only
  }

  /** Ends the input: hands what is held to the sink. Can be called once. */
  public void finish() {
    resources.checkFinishing("partial combiner", finished);
    finished = true;
    flush();
  }

  /** How many times a full table was handed to the sink (the last, by {@link #finish()}, too). */
  public long flushes() {
    return flushes;
  }

  /** Accumulators handed to the sink so far. */
  public long recordsOut() {
    return recordsOut;
  }

  /** Memory statistics; no spills (this engine writes no file). */
  @Override
  public SpillStats stats() {
    return resources.stats();
  }

  /** Returns all memory. Idempotent. */
  @Override
  public void close() {
    resources.close();
  }
}
