package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Combines values by key under a hard memory budget: PySpark's {@code ExternalMerger}, on encoded
 * keys and in serialized pages.
 *
 * <ol>
 *   <li>Values are combined into accumulators in one in-memory table ({@link CombineTable}).
 *   <li>When the budget is reached, the table is written as one spill file with a segment per hash
 *       partition (59 by default), and emptied; filling goes on.
 *   <li>When a fill of the table combines less than half of its records (nearly every record a new
 *       key, judged once the fill takes half the memory), the table is dropped for an {@link
 *       AppendBuffer}: records are appended to their partition's pages and spilled as they come,
 *       which costs no cache miss per record. Merging, below, does the combining.
 *   <li>{@link #finish()} spills what is left, then merges partition by partition: the partition's
 *       segments of every spill are combined in the emptied table, which then fits the CPU caches,
 *       and its keys are returned before the next partition is read.
 *   <li>A partition whose merge does not fit is repartitioned: the table so far and the rest of the
 *       partition go to a new level with a new hash seed (the seed's {@code scale}), which spills
 *       and merges the same way, while the total number of partitions across levels stays at most
 *       {@link SpillConfig#MAX_TOTAL_PARTITIONS}.
 *   <li>Past that limit (keys whose hashes collide under every seed), the partition is merged
 *       sorted: an {@link ExternalSorter} on the same budget orders its records by key bytes, and
 *       equal keys meet one after another, so one accumulator is held at a time. Only a single key
 *       whose accumulator alone passes the budget cannot be merged.
 * </ol>
 *
 * <p>A key larger than the whole budget goes, with its accumulator, to a spill of its own (to the
 * flush, when {@link #flushWhenFull} is set); its partition then is repartitioned down to the
 * sorted merge, which combines it with the key's other records. An accumulator larger than the
 * budget fails the engine by name: it is kept whole in memory.
 *
 * <p>Lifecycle: {@link #add} or {@link #addAccumulator} any number of times, then {@link #finish()}
 * once, then {@link #close()}, which deletes every spill file (also when called early or after a
 * failure).
 *
 * <pre>{@code
 * try (ExternalMerger<Long, long[]> merger =
 *         new ExternalMerger<>(sum, LONG_ARRAY_CODEC, SpillConfig.withBudget(64 << 20))) {
 *   merger.add(key, value);
 *   try (CombineCursor<long[]> out = merger.finish()) {
 *     while (out.next()) { use(out.keyArray(), out.keyOffset(), out.keyLength(), out.accumulator()); }
 *   }
 * }
 * }</pre>
 *
 * @param <V> the values
 * @param <A> the accumulators
 */
public final class ExternalMerger<V, A> implements SpillingEngine {
  private static final long LEVEL_SEED = 0x5EED_5EED_5EED_5EEDL;

  /** The table must combine at least half of its records to pay for a cache miss per record. */
  private static final double MIN_REDUCTION = 0.5;

  private final EngineResources resources;
  private final CombineTable<V, A> table;
  private final int partitions;
  private final Level root;

  /** Non-null once the table stopped paying: input is appended and spilled as it comes. */
  private AppendBuffer appendBuffer;

  private final ByteSink encoded = new ByteSink();

  private final TableJudge judge = new TableJudge(MIN_REDUCTION);
  private boolean finished;

  /** Where a full table's entries go instead of a spill file, or null: {@link #flushWhenFull}. */
  private Flush<A> flush;

  /**
   * A combiner folding values into accumulators with {@code aggregator}, encoding accumulators with
   * {@code accumulatorCodec} when it spills (as their longs, when the aggregator has a {@link
   * LongLayout}), within {@code config}'s budget and disks.
   */
  public ExternalMerger(
      Aggregator<V, A> aggregator, ValueCodec<A> accumulatorCodec, SpillConfig config) {
    this.resources = new EngineResources(config);
    try {
      this.table = new CombineTable<>(aggregator, accumulatorCodec, resources);
      this.partitions = config.partitions();
      this.root = new Level(0, partitions);
      table.reset(root.seed);
      startFill();
      resources.spillOnDemand(this::spillOnDemand);
    } catch (RuntimeException e) {
      resources.close();
      throw e;
    }
  }

  /** Combines {@code value} into {@code key}'s accumulator; {@code key} may be reused. */
  public void add(byte[] key, V value) {
    add(key, 0, key.length, value);
  }

  /** Combines {@code value} into the accumulator of the key {@code key[offset, offset+length)}. */
  public void add(byte[] key, int offset, int length, V value) {
    checkAdding();
    if (!tryAdd(key, offset, length, value)) {
      resources.makeRoom(
          () -> tryAdd(key, offset, length, value),
          this::relieveInput,
          this::shrinkInput,
          length,
          () -> {
            encoded.clear();
            table.encodeCreated(value, encoded);
            addAlone(key, offset, length);
          });
    }
    if (appendBuffer == null && table.overBudget()) {
      relieveInput();
    }
  }

  /** Merges a partial accumulator (from another merger, say) into the key's accumulator. */
  public void addAccumulator(byte[] key, int offset, int length, A accumulator) {
    checkAdding();
    if (!tryAddAccumulator(key, offset, length, accumulator)) {
      resources.makeRoom(
          () -> tryAddAccumulator(key, offset, length, accumulator),
          this::relieveInput,
          this::shrinkInput,
          length,
          () -> {
            encoded.clear();
            table.encodeValue(accumulator, encoded);
            addAlone(key, offset, length);
          });
    }
    if (appendBuffer == null && table.overBudget()) {
      relieveInput();
    }
  }

  private boolean tryAdd(byte[] key, int offset, int length, V value) {
    if (appendBuffer != null) {
      encoded.clear();
      table.encodeCreated(value, encoded);
      return append(key, offset, length);
    }
    judge.countRecord();
    if (!table.addInput(key, offset, length, value)) {
      return false;
    }
    spillIfTheTableStopsPaying();
    return true;
  }

  /**
   * Spills early, switching to the append buffer, when a table combines too little (not when
   * flushing: a flushed table costs no disk however little it combines).
   */
  private void spillIfTheTableStopsPaying() {
    if (flush == null && judge.stopsPayingMidFill(resources.recordBytes(), table.size())) {
      spillInput();
    }
  }

  private boolean tryAddAccumulator(byte[] key, int offset, int length, A accumulator) {
    if (appendBuffer != null) {
      encoded.clear();
      table.encodeValue(accumulator, encoded);
      return append(key, offset, length);
    }
    judge.countRecord();
    if (!table.mergeAccumulator(
        key, offset, length, table.index().hash(key, offset, length), accumulator)) {
      return false;
    }
    spillIfTheTableStopsPaying();
    return true;
  }

  /**
   * Hands on a key larger than memory could hold, with the accumulator just encoded into {@code
   * encoded}, by itself: to the flush where one is set, else to a spill of its own (everything held
   * before it is spilled or flushed by then). Its partition then does not fit the table and is
   * repartitioned down to the sorted fallback, which combines it with the key's other records.
   */
  private void addAlone(byte[] key, int offset, int length) {
    resources.recordLargeRecord();
    if (flush != null) {
      flush.accept(key, offset, length, table.decode(encoded.array(), 0, encoded.length()));
      return;
    }
    root.spills.writeAlone(
        table.index().hash(key, offset, length),
        key,
        offset,
        length,
        encoded.array(),
        0,
        encoded.length());
  }

  /** Appends the key with the accumulator just encoded into {@code encoded}. */
  private boolean append(byte[] key, int offset, int length) {
    int hash = table.index().hash(key, offset, length);
    return appendBuffer.add(key, offset, length, hash, encoded.array(), 0, encoded.length());
  }

  /**
   * From now on, when the table fills while input is taken, hands its entries to {@code flush} and
   * empties it instead of spilling: what a step before a shuffle does to send partial results on
   * rather than write them to disk and read them back (Dataflow's grouping table flushes at 100
   * MB). Spills still happen when another engine of the thread asks for memory ({@link
   * #spillOnDemand}: that caller may be the step {@code flush} feeds). Call before the first {@link
   * #add}.
   */
  public void flushWhenFull(Flush<A> flush) {
    checkAdding();
    this.flush = flush;
  }

  /** Receives a full table's entries; the key's bytes are valid during the call only. */
  @FunctionalInterface
  public interface Flush<A> {
    void accept(byte[] key, int offset, int length, A accumulator);
  }

  /** Makes room while input is taken: flushes the table where a flush is set, else spills. */
  private void relieveInput() {
    if (flush == null) {
      spillInput();
      return;
    }
    KeyIndex index = table.index();
    for (int id = 0; id < index.size(); id++) {
      flush.accept(
          index.keyArray(id), index.keyOffset(id), index.keyLength(id), table.accumulator(id));
    }
    resources.recordFlush();
    table.reset(root.seed);
    startFill();
  }

  /** While input is taken: spills it and gives back the table's arrays. */
  private void spillOnDemand() {
    if (!finished) {
      spillInput();
      shrinkInput();
    }
  }

  /** Gives back the table's arrays while this engine waits for memory (the input is spilled). */
  private void shrinkInput() {
    table.shrink(root.seed);
  }

  /**
   * Spills the input side. When the table just spilled stopped paying ({@link TableJudge}), it is
   * dropped for an {@link AppendBuffer} for the rest of the input.
   */
  private void spillInput() {
    if (appendBuffer != null) {
      root.spillAppended();
      return;
    }
    int entries = table.size();
    root.spill();
    if (flush == null && judge.stopsPaying(entries)) {
      table.shrink(root.seed);
      appendBuffer = new AppendBuffer(resources, resources.reservation.fairShare());
    }
    startFill();
  }

  /** Ends the input and returns every key once with its accumulator. Can be called once. */
  public CombineCursor<A> finish() {
    resources.checkFinishing("merger", finished);
    finished = true;
    boolean crowded = resources.leaveRoomForFusedEngines();
    if (appendBuffer != null) {
      root.spillAppended();
      appendBuffer.release();
      appendBuffer = null;
      return new Output(root);
    }
    if (!root.spills.isEmpty() || crowded) {
      root.spill();
      return new Output(root);
    }
    return new Output(null);
  }

  /** A new fill of the table, judged again when its records take half the memory or 32 MiB. */
  private void startFill() {
    judge.startEngineFill(resources.reservation.fairShare() - resources.plan.ioBytes());
  }

  /** For tests: whether input now goes to the append buffer. */
  boolean appending() {
    return appendBuffer != null;
  }

  @Override
  public SpillStats stats() {
    return resources.stats();
  }

  /** Deletes every spill file and returns all memory. Idempotent. */
  @Override
  public void close() {
    resources.close();
  }

  private void checkAdding() {
    resources.checkAdding("merger", finished);
  }

  /**
   * One level of partitioning: its hash seed and its spills. Level 0 takes the input; level d+1
   * takes one partition of level d that did not fit.
   */
  private final class Level {
    final int depth;
    final long seed;
    final long totalPartitions;
    final SpillSet spills;

    Level(int depth, long totalPartitions) {
      this.depth = depth;
      this.spills = new SpillSet(resources, partitions);
      this.seed = KeyHasher.mix64(LEVEL_SEED + depth * 0x9E3779B97F4A7C15L);
      this.totalPartitions = totalPartitions;
    }

    boolean canSplit() {
      return totalPartitions * partitions <= SpillConfig.MAX_TOTAL_PARTITIONS;
    }

    Level child() {
      return new Level(depth + 1, totalPartitions * partitions);
    }

    /** Merges an encoded accumulator into the table under this level's seed, spilling for room. */
    void merge(byte[] key, int offset, int length, byte[] acc, int accOffset, int accLength) {
      int hash = table.index().hash(key, offset, length);
      if (!table.mergeEncoded(key, offset, length, hash, acc, accOffset, accLength)) {
        resources.makeRoom(
            () -> table.mergeEncoded(key, offset, length, hash, acc, accOffset, accLength),
            this::spill,
            () -> table.shrink(seed),
            length,
            () -> spills.writeAlone(hash, key, offset, length, acc, accOffset, accLength));
      }
      if (table.overBudget()) {
        spill();
      }
    }

    /** Writes the table (whose hashes must be under this level's seed) and empties it. */
    void spill() {
      KeyIndex index = table.index();
      int n = index.size();
      if (n == 0) {
        return;
      }
      spills.write(
          Layout.LAYOUT_KEY_VALUE,
          table.recordBytes(),
          writer ->
              writer.writeEntries(
                  index,
                  (out, id) -> {
                    ByteSink acc = table.encode(id);
                    out.append(
                        index.keyArray(id),
                        index.keyOffset(id),
                        index.keyLength(id),
                        acc.array(),
                        0,
                        acc.length());
                  }));
      table.reset(seed);
    }

    /** Writes the append buffer (level 0 only) and empties it. */
    void spillAppended() {
      if (appendBuffer.size() > 0) {
        spills.write(Layout.LAYOUT_KEY_VALUE, appendBuffer.recordBytes(), appendBuffer::spillTo);
      }
    }
  }

  /** Walks the partitions of a level (and of the levels it pushes) in table or sorted mode. */
  private final class LevelWalk {
    final Level level;
    int partition = -1;

    /** In table mode: the next entry of the table to return. */
    int nextEntry;

    boolean tableMode;
    SortedCombiner sorted;

    LevelWalk(Level level) {
      this.level = level;
    }
  }

  private final class Output implements CombineCursor<A> {
    private final Deque<LevelWalk> walks = new ArrayDeque<>();
    private final boolean inMemory;
    private int inMemoryNext;
    private byte[] keyArray;
    private int keyOffset;
    private int keyLength;
    private A accumulator;
    private boolean closed;

    Output(Level spilled) {
      this.inMemory = spilled == null;
      if (spilled != null) {
        walks.push(new LevelWalk(spilled));
      }
    }

    @Override
    public boolean next() {
      if (closed) {
        throw new IllegalStateException("the output cursor is closed");
      }
      if (inMemory) {
        if (inMemoryNext < table.size()) {
          fromTable(inMemoryNext++);
          return true;
        }
        return false;
      }
      while (!walks.isEmpty()) {
        LevelWalk walk = walks.peek();
        if (walk.tableMode && walk.nextEntry < table.size()) {
          fromTable(walk.nextEntry++);
          return true;
        }
        if (walk.sorted != null) {
          if (walk.sorted.next()) {
            keyArray = walk.sorted.keyArray();
            keyOffset = 0;
            keyLength = walk.sorted.keyLength();
            accumulator = walk.sorted.accumulator();
            return true;
          }
          walk.sorted.close();
          walk.sorted = null;
        }
        walk.tableMode = false;
        if (++walk.partition == partitions) {
          walk.level.spills.deleteFiles();
          walks.pop();
          continue;
        }
        load(walk);
      }
      return false;
    }

    private void fromTable(int id) {
      KeyIndex index = table.index();
      keyArray = index.keyArray(id);
      keyOffset = index.keyOffset(id);
      keyLength = index.keyLength(id);
      accumulator = table.accumulator(id);
    }

    /** Loads the walk's current partition into the table, or pushes a child level, or sorts. */
    private void load(LevelWalk walk) {
      Level level = walk.level;
      table.reset(level.seed);
      List<SegmentLocation> segments = level.spills.segmentsOf(walk.partition);
      Level child = null;
      for (SegmentLocation segment : segments) {
        try (SegmentReader reader = resources.open(segment)) {
          while (reader.next()) {
            byte[] k = reader.keyArray();
            int ko = reader.keyOffset();
            int kl = reader.keyLength();
            byte[] v = reader.valueArray();
            int vo = reader.valueOffset();
            int vl = reader.valueLength();
            if (child != null) {
              child.merge(k, ko, kl, v, vo, vl);
              continue;
            }
            int hash = table.index().hash(k, ko, kl);
            boolean ok = table.mergeEncoded(k, ko, kl, hash, v, vo, vl);
            if (ok && !table.overBudget()) {
              continue;
            }
            if (!level.canSplit()) {
              table.shrink(level.seed);
              walk.sorted = new SortedCombiner(ExternalSorter.sortSegments(resources, segments));
              return;
            }
            // Repartition: the table so far becomes the child's first spill, under its seed.
            resources.recordRepartition();
            child = level.child();
            table.index().rehash(child.seed);
            child.spill();
            if (!ok) {
              child.merge(k, ko, kl, v, vo, vl);
            }
          }
        }
      }
      if (child == null) {
        walk.tableMode = true;
        walk.nextEntry = 0;
        return;
      }
      child.spill();
      walks.push(new LevelWalk(child));
    }

    @Override
    public byte[] keyArray() {
      return keyArray;
    }

    @Override
    public int keyOffset() {
      return keyOffset;
    }

    @Override
    public int keyLength() {
      return keyLength;
    }

    @Override
    public A accumulator() {
      return accumulator;
    }

    /** Ends the output early or late: deletes every spill file. */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        for (LevelWalk walk : walks) {
          if (walk.sorted != null) {
            walk.sorted.close();
          }
        }
      } finally {
        walks.clear();
        resources.close();
      }
    }
  }

  /** Combines a stream sorted by key: equal keys arrive together, one accumulator at a time. */
  private final class SortedCombiner implements AutoCloseable {
    private final KeyRuns runs;
    private A accumulator;

    SortedCombiner(RecordCursor sorted) {
      this.runs = new KeyRuns(sorted, KeyRuns.KeyPart.WHOLE);
    }

    boolean next() {
      if (!runs.nextKey()) {
        return false;
      }
      RecordCursor r = runs.record();
      accumulator = table.decode(r.valueArray(), r.valueOffset(), r.valueLength());
      int merges = 0;
      while (runs.nextInRun()) {
        accumulator =
            table.mergeEncoded(accumulator, r.valueArray(), r.valueOffset(), r.valueLength());
        if (Integer.bitCount(++merges) == 1) {
          table.checkFits(accumulator); // after the 1st, 2nd, 4th... merge: O(1) amortized
        }
      }
      return true;
    }

    byte[] keyArray() {
      return runs.keyArray();
    }

    int keyLength() {
      return runs.keyLength();
    }

    A accumulator() {
      return accumulator;
    }

    @Override
    public void close() {
      runs.close();
    }
  }
}
