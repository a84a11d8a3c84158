package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sorts (key, value) records by key bytes (unsigned, shorter first on a common prefix) under a hard
 * memory budget: PySpark's {@code ExternalSorter} with a capped fan-in.
 *
 * <ol>
 *   <li>Records fill a {@link SortBuffer}; when the budget is reached it is sorted (radix on key
 *       prefixes) and written as a sorted run to its own spill file.
 *   <li>{@link #finish()} sorts what is left. With no runs, that is the output. Otherwise, while
 *       there are more runs than the fan-in allows, consecutive runs are merged in passes (merge
 *       rounds); the last merge streams the remaining runs and the in-memory run through a heap.
 * </ol>
 *
 * <p>A record larger than the whole budget is written as a run of its own, after the runs of what
 * came before it.
 *
 * <p>Stable: records with equal keys come out in the order they were added (each run is sorted
 * stably, runs are kept and merged in the order of their records' arrival, and a merge breaks ties
 * by run). Use {@link OrderedBytes} to encode numbers so that byte order is numeric order.
 *
 * <pre>{@code
 * try (ExternalSorter sorter = new ExternalSorter(SpillConfig.withBudget(64 << 20))) {
 *   sorter.add(OrderedBytes.encodeLong(-3), value);
 *   try (RecordCursor sorted = sorter.finish()) {
 *     while (sorted.next()) { ... }
 *   }
 * }
 * }</pre>
 */
public final class ExternalSorter implements SpillingEngine {
  /**
   * The most memory one in-memory run takes, whatever the budget; a fuller run is spilled. A radix
   * sort scattering over more memory than the TLB covers, and the first touch of larger fresh
   * arrays, cost more than writing and merging more runs: the sort workload's input took 2.8–3.1 s
   * at an 81 MiB budget (19 runs) and 5.7–7.5 s at 644 MiB (2 runs).
   */
  static final long MAX_RUN_BYTES = 64L << 20;

  private final EngineResources resources;
  private final SortBuffer buffer;
  private final List<SegmentLocation> runs = new ArrayList<>();
  private boolean finished;

  /**
   * A sorter with its own resources (memory reservation, spill directories) from {@code config}.
   */
  public ExternalSorter(SpillConfig config) {
    this(new EngineResources(config));
  }

  /** A sorter on {@code resources}, its own or a view borrowed from the engine it works for. */
  ExternalSorter(EngineResources resources) {
    this.resources = resources;
    try {
      this.buffer = new SortBuffer(resources);
      resources.spillOnDemand(this::spillOnDemand);
    } catch (RuntimeException e) {
      resources.close();
      throw e;
    }
  }

  /**
   * The sorted fallback of the hash engines: sorts the records of {@code segments} by key bytes, on
   * {@code resources}' budget and files, so equal keys come out adjacent. Closing the cursor
   * deletes the runs.
   */
  static RecordCursor sortSegments(EngineResources resources, List<SegmentLocation> segments) {
    resources.recordSortedMerge();
    ExternalSorter sorter = new ExternalSorter(resources.borrow());
    try {
      for (SegmentLocation segment : segments) {
        try (SegmentReader reader = resources.open(segment)) {
          while (reader.next()) {
            sorter.add(
                reader.keyArray(),
                reader.keyOffset(),
                reader.keyLength(),
                reader.valueArray(),
                reader.valueOffset(),
                reader.valueLength());
          }
        }
      }
      return sorter.finish();
    } catch (RuntimeException e) {
      sorter.close();
      throw e;
    }
  }

  /** Adds a record; the arrays may be reused once this returns. */
  public void add(byte[] key, byte[] value) {
    add(key, 0, key.length, value, 0, value.length);
  }

  /** As {@link #add(byte[], byte[])}, for ranges of arrays. */
  public void add(byte[] key, int kOff, int kLen, byte[] value, int vOff, int vLen) {
    resources.checkAdding("sorter", finished);
    if (!buffer.add(key, kOff, kLen, value, vOff, vLen)) {
      resources.makeRoom(
          () -> buffer.add(key, kOff, kLen, value, vOff, vLen),
          this::spill,
          buffer::shrink,
          kLen + vLen,
          () -> addAlone(key, kOff, kLen, value, vOff, vLen));
    }
    if (buffer.runBytes() > MAX_RUN_BYTES) {
      spill();
    }
  }

  /** A record no memory could hold: a run of its own, after the runs of what came before it. */
  private void addAlone(byte[] key, int kOff, int kLen, byte[] value, int vOff, int vLen) {
    resources.recordLargeRecord();
    runs.add(writeRun(out -> out.append(key, kOff, kLen, value, vOff, vLen)));
  }

  /** Ends the input and returns all records sorted by key. Can be called once. */
  public RecordCursor finish() {
    resources.checkFinishing("sorter", finished);
    finished = true;
    boolean crowded = resources.leaveRoomForFusedEngines();
    if (runs.isEmpty() && !resources.borrowed() && !crowded) {
      buffer.sort();
      return new Output(buffer.cursor());
    }
    int fanIn = resources.plan.fanIn();
    if (runs.size() + 1 > fanIn || resources.borrowed() || crowded) {
      // A sorter on borrowed resources spills its last run too, even its only one, and gives back
      // its memory: the engine it serves needs that memory for what it does with the sorted
      // stream (a key's values gathered in SpillableValues, which cannot make the sorter spill).
      // So does one holding more than it may while its output is read (room for fused engines).
      spill();
      buffer.shrink();
    } else {
      buffer.sort();
    }
    mergeDownTo(fanIn);
    List<RecordCursor> sources = openRuns(runs);
    if (buffer.size() > 0) {
      sources.add(buffer.cursor());
    }
    return new Output(new MergingCursor(sources));
  }

  @Override
  public SpillStats stats() {
    return resources.stats();
  }

  /** Deletes every spill file and returns all memory. Idempotent. */
  @Override
  public void close() {
    if (resources.closed()) {
      return;
    }
    runs.clear();
    try {
      buffer.release();
    } finally {
      resources.close();
    }
  }

  /** While input is taken: spills it as a run and gives back the buffer's arrays. */
  private void spillOnDemand() {
    if (!finished) {
      spill();
      buffer.shrink();
    }
  }

  private void spill() {
    if (buffer.size() == 0) {
      return;
    }
    long freed = buffer.recordBytes();
    buffer.sort();
    runs.add(writeRun(buffer::writeSortedTo));
    resources.recordSpill(freed);
    buffer.reset();
  }

  /** Writes {@code sorted} as a new run and returns where it is. */
  private SegmentLocation writeRun(RecordCursor sorted) {
    return writeRun(
        out -> {
          while (sorted.next()) {
            out.append(
                sorted.keyArray(),
                sorted.keyOffset(),
                sorted.keyLength(),
                sorted.valueArray(),
                sorted.valueOffset(),
                sorted.valueLength());
          }
        });
  }

  /** Writes a new run with {@code records}, which appends it in key order; returns where it is. */
  private SegmentLocation writeRun(Consumer<SegmentWriter> records) {
    try (SpillOutput file = resources.openSpill("run")) {
      SegmentWriter out = file.newSegment(Layout.LAYOUT_KEY_VALUE, Order.ORDER_KEY_BYTES);
      records.accept(out);
      SegmentLocation run = out.finish();
      file.finish();
      return run;
    }
  }

  /**
   * Merges runs until at most {@code fanIn} are left, in passes over them: a pass merges
   * consecutive groups of up to {@code fanIn} runs, oldest first, and stops merging once the passes
   * will end with {@code fanIn}. Consecutive groups keep the runs in the order of their records'
   * arrival, which keeps equal keys in input order; every record is rewritten about
   * log<sub>fanIn</sub>(runs) times. (Merging the oldest {@code fanIn} runs into one and starting
   * over rewrote that first run in every round, quadratic in the runs: a 6M-record sort job at 256
   * KiB, thousands of runs, wrote 65 GiB for 161 MB.)
   */
  private void mergeDownTo(int fanIn) {
    while (runs.size() > fanIn) {
      int excess = runs.size() - fanIn;
      List<SegmentLocation> pass = new ArrayList<>(runs);
      runs.clear();
      int i = 0;
      while (i < pass.size()) {
        int take = Math.min(Math.min(fanIn, pass.size() - i), excess + 1);
        if (take > 1) {
          runs.add(merge(pass.subList(i, i + take)));
          excess -= take - 1;
        } else {
          runs.add(pass.get(i)); // take is 1: nothing left to merge, or the last run
        }
        i += take;
      }
    }
  }

  /** Merges {@code group} into one new run, deletes its runs, and returns the new one. */
  private SegmentLocation merge(List<SegmentLocation> group) {
    resources.recordMergeRound();
    SegmentLocation merged;
    try (MergingCursor merge = new MergingCursor(openRuns(group))) {
      merged = writeRun(merge);
    }
    for (SegmentLocation run : group) {
      resources.deleteFile(run.file());
    }
    return merged;
  }

  private List<RecordCursor> openRuns(List<SegmentLocation> locations) {
    List<RecordCursor> readers = new ArrayList<>(locations.size() + 1);
    try {
      for (SegmentLocation run : locations) {
        readers.add(resources.open(run));
      }
    } catch (RuntimeException e) {
      readers.forEach(RecordCursor::close);
      throw e;
    }
    return readers;
  }

  /** The sorted output; closing it deletes every spill file. */
  private final class Output implements RecordCursor {
    private final RecordCursor source;
    private boolean closed;

    Output(RecordCursor source) {
      this.source = source;
    }

    @Override
    public boolean next() {
      if (closed) {
        throw new IllegalStateException("the output cursor is closed");
      }
      return source.next();
    }

    @Override
    public byte[] keyArray() {
      return source.keyArray();
    }

    @Override
    public int keyOffset() {
      return source.keyOffset();
    }

    @Override
    public int keyLength() {
      return source.keyLength();
    }

    @Override
    public byte[] valueArray() {
      return source.valueArray();
    }

    @Override
    public int valueOffset() {
      return source.valueOffset();
    }

    @Override
    public int valueLength() {
      return source.valueLength();
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        source.close();
      } finally {
        ExternalSorter.this.close();
      }
    }
  }
}
