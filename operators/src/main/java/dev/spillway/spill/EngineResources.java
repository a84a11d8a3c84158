package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * What every engine owns and releases in {@link #close()}: its memory reservation (with the I/O
 * reserve of its {@link SpillPlan} taken up front), its private spill directories and files, its
 * block buffers and its statistics.
 *
 * <p>An engine that works for another (the sorter of a hash engine's sorted fallback) runs on a
 * {@link #borrow() borrowed view}: the same budget, disks, buffers and statistics, but closing the
 * view deletes only the files made through it, and the owner alone decides when to spill on demand
 * and how much room to leave for fused engines.
 */
final class EngineResources implements AutoCloseable {
  final SpillConfig config;
  final SpillPlan plan;
  final MemoryReservation reservation;
  final IoBuffers buffers;
  private final StatsCounter stats;

  /** Null unless spills are encrypted: the key lives and dies with this engine. */
  private final FrameCipher cipher;

  private final SpillFileRegistry files;

  /** Null for an owner; for a borrowed view, the files made through it and not yet deleted. */
  private final Set<Path> borrowedFiles;

  private boolean closed;

  EngineResources(SpillConfig config) {
    this(config, true);
  }

  /**
   * Resources of an engine that spills ({@code spills}), or of one that never writes a file and so
   * sets no block buffers aside ({@link PartialCombiner}).
   */
  EngineResources(SpillConfig config, boolean spills) {
    this.config = config;
    this.stats = new StatsCounter();
    this.plan = planForNewEngine(config, spills);
    this.buffers = new IoBuffers(config, plan.blockBytes(), spills ? plan.fanIn() + 2 : 0);
    this.cipher = config.encryption() ? new FrameCipher() : null;
    SpillDirectories directories = SpillDirectories.create(config.spillDirectories());
    this.files = new SpillFileRegistry(directories);
    MemoryReservation r = null;
    try {
      r = new MemoryReservation(config.pool(), plan.pageBytes());
      // The whole floor in one request, then the block buffers out of it: an engine that waits
      // for its floor holds nothing, so engines starting at once on a small pool take turns
      // rather than each holding its buffers while waiting for the pages another holds.
      r.holdFloor(plan.floorBytes());
      r.reserve(plan.ioBytes());
    } catch (RuntimeException e) {
      if (r != null) {
        r.close();
      }
      files.close();
      throw e;
    }
    this.reservation = r;
    this.borrowedFiles = null;
  }

  private EngineResources(EngineResources owner) {
    this.config = owner.config;
    this.plan = owner.plan;
    this.reservation = owner.reservation;
    this.buffers = owner.buffers;
    this.stats = owner.stats;
    this.cipher = owner.cipher;
    this.files = owner.files;
    this.borrowedFiles = new LinkedHashSet<>();
  }

  /** A borrowed view of these resources, for an engine working for this one: see the class. */
  EngineResources borrow() {
    return new EngineResources(this);
  }

  /**
   * True for a borrowed view: the engine on it gives its memory back before handing out output,
   * since the owner needs it for what it does with that output.
   */
  boolean borrowed() {
    return borrowedFiles != null;
  }

  /**
   * The floor an engine started now on {@code config} takes: block buffers too if it {@code
   * spills}.
   */
  static long floorBytes(SpillConfig config, boolean spills) {
    return planForNewEngine(config, spills).floorBytes();
  }

  /**
   * The plan of an engine starting now: from the share it would have among the pool's consumers (at
   * most a quarter of the pool), without block buffers unless it {@code spills}.
   */
  private static SpillPlan planForNewEngine(SpillConfig config, boolean spills) {
    long share = config.pool().shareForNewConsumer();
    SpillPlan planned =
        SpillPlan.of(config, Math.min(share, Math.max(config.pool().capacity() / 4, 64 << 10)));
    return spills ? planned : planned.withoutIo();
  }

  /**
   * Lets the pool ask this engine to spill when another engine of its thread needs memory: Beam
   * steps fused on one thread hold several engines, and the thread that would release memory is the
   * one waiting for it. {@code spill} is only asked between the engine's own calls.
   */
  void spillOnDemand(Runnable spill) {
    if (!borrowed()) {
      reservation.onDemand(spill);
    }
  }

  /**
   * Called as the engine starts handing out its output. With {@link
   * SpillConfig#withRoomForFusedEngines} it uses at most its fair share of the pool from now on,
   * less the floors of two engines that may start beside it on its thread (a step fused after it,
   * such as a sort of each group, and the next step's engine, which spills on demand down to its
   * own floor), so that they get their floors while this engine's output is read. Returns true if
   * the engine holds more than that now: it must spill before handing anything out.
   */
  boolean leaveRoomForFusedEngines() {
    if (!config.roomForFusedEngines() || borrowed()) {
      return false;
    }
    MemoryPool pool = config.pool();
    long room = Math.min(2 * floorBytes(config, true), pool.capacity() / 2);
    return reservation.limitTo(pool.fairShare() - room);
  }

  /** Fails unless input may be added: the engine is open and its input not finished. */
  void checkAdding(String engine, boolean finished) {
    if (closed) {
      throw new IllegalStateException("the " + engine + " is closed");
    }
    if (finished) {
      throw new IllegalStateException("finish() was called: no more input is accepted");
    }
  }

  /** Fails unless {@code finish()} may be called: the engine is open and not finished. */
  void checkFinishing(String engine, boolean finished) {
    if (closed) {
      throw new IllegalStateException("the " + engine + " is closed");
    }
    if (finished) {
      throw new IllegalStateException("finish() was called already; it can only be called once");
    }
  }

  /** A new spill file of {@code kind} (a word in its name), deleted at the latest by close. */
  SpillFileWriter newFile(String kind) {
    Path path = files.create(kind);
    if (borrowedFiles != null) {
      borrowedFiles.add(path);
    }
    return new SpillFileWriter(path, config.faults());
  }

  /** A new spill file of {@code kind} with a block buffer of its own: see {@link SpillOutput}. */
  SpillOutput openSpill(String kind) {
    SpillFileWriter file = newFile(kind);
    try {
      return new SpillOutput(this, file, buffers.acquire());
    } catch (RuntimeException e) {
      file.close();
      deleteFile(file.path());
      throw e;
    }
  }

  void deleteFile(Path file) {
    files.delete(file);
    if (borrowedFiles != null) {
      borrowedFiles.remove(file);
    }
  }

  /** A new segment at the end of {@code file}, in buffer {@code slot}. */
  SegmentWriter newSegment(SpillFileWriter file, IoBuffers.Slot slot, Layout layout, Order order) {
    return new SegmentWriter(file, config.codec(), cipher, slot, plan.blockBytes(), layout, order);
  }

  SegmentReader open(SegmentLocation location) {
    return new SegmentReader(location, buffers, cipher);
  }

  /**
   * The slow path of adding a record that did not fit: spill, and retry; if the pool still has no
   * room (other engines hold it), give back every array that can shrink and wait until the pool can
   * grant room for the record, then retry once more. Fails, naming the budget, only when no release
   * by anyone could make room.
   */
  void makeRoom(BooleanSupplier retry, Runnable spill, Runnable shrink, long recordBytes) {
    makeRoom(
        retry,
        spill,
        shrink,
        recordBytes,
        () -> {
          throw tooLarge(recordBytes);
        });
  }

  /**
   * As {@link #makeRoom(BooleanSupplier, Runnable, Runnable, long)}, for an engine that can keep a
   * record on disk only: when no release could make room for it, {@code writeAlone} writes it
   * straight to a spill of its own (everything held before it is spilled by then, so it stays in
   * arrival order). A record larger than the budget then costs a block of memory to write and one
   * array of its size while it is read back, as Flink's sorter treats its large records.
   */
  void makeRoom(
      BooleanSupplier retry,
      Runnable spill,
      Runnable shrink,
      long recordBytes,
      Runnable writeAlone) {
    spill.run();
    if (retry.getAsBoolean()) {
      return;
    }
    shrink.run();
    // Held before the retry, so that the retry asks the pool for nothing and an engine past its
    // fair share (other engines hold the rest) still takes a record the budget holds.
    long need = roomFor(recordBytes);
    if (reservation.used() + need > config.pool().capacity()) {
      writeAlone.run();
      return;
    }
    reservation.reserveSpare(need);
    if (!retry.getAsBoolean()) {
      throw tooLarge(recordBytes);
    }
  }

  private IllegalStateException tooLarge(long recordBytes) {
    return new IllegalStateException(
        "a record of "
            + recordBytes
            + " bytes does not fit the memory budget of "
            + config.pool().capacity()
            + " bytes (of which "
            + plan.ioBytes()
            + " are block buffers) even after spilling"
            + " everything");
  }

  /**
   * Whether a record of {@code recordBytes} is more than the budget could ever hold beside the page
   * stored with it: what {@link #makeRoom} writes alone when everything else is spilled.
   */
  boolean neverFits(long recordBytes) {
    return roomFor(recordBytes) > recordCapacity();
  }

  /**
   * The memory a record takes: itself, and a page for what is stored beside it (an index entry, a
   * value chain's link).
   */
  private long roomFor(long recordBytes) {
    return recordBytes + 2L * plan.pageBytes() + 64;
  }

  /** The most the budget can give records: all of it but the block buffers. */
  long recordCapacity() {
    return config.pool().capacity() - plan.ioBytes();
  }

  /**
   * The failure of a combine whose accumulator for one key outgrew the budget: it is kept whole in
   * memory, so no spill can make room for it.
   */
  IllegalStateException accumulatorTooLarge(long accumulatorBytes) {
    return new IllegalStateException(
        "the accumulator of one key takes "
            + accumulatorBytes
            + " bytes of heap, more than the memory budget of "
            + config.pool().capacity()
            + " bytes (of which "
            + plan.ioBytes()
            + " are block buffers) can hold; a combine keeps each key's accumulator whole in"
            + " memory: give it a larger budget, or group the key's values (SpillingGroupByKey"
            + " spills a group of any size) instead of collecting them in an accumulator");
  }

  /** Bytes in use for records (all but the I/O reserve): what a spill frees. */
  long recordBytes() {
    return reservation.used() - plan.ioBytes();
  }

  /** Counts a spill that freed {@code memoryBytes} of records. */
  void recordSpill(long memoryBytes) {
    stats.spillCount++;
    stats.memoryBytesSpilled += memoryBytes;
  }

  /** Counts {@code bytes} written to spill files. */
  void recordDiskBytes(long bytes) {
    stats.diskBytesSpilled += bytes;
  }

  void recordRepartition() {
    stats.repartitions++;
  }

  void recordSortedMerge() {
    stats.sortedMerges++;
  }

  void recordMergeRound() {
    stats.mergeRounds++;
  }

  void recordFlush() {
    stats.flushes++;
  }

  /**
   * Counts an input record that was written to disk by itself; the sorted fallback and a group's
   * values, which meet it again, do not count it twice.
   */
  void recordLargeRecord() {
    if (!borrowed()) {
      stats.largeRecords++;
    }
  }

  void recordHotKeys(int count) {
    stats.hotKeys += count;
  }

  SpillStats stats() {
    return stats.snapshot(reservation.peak());
  }

  int liveFiles() {
    return files.liveFiles();
  }

  boolean closed() {
    return closed;
  }

  /**
   * Deletes every spill file and directory and returns all memory; idempotent. A borrowed view
   * deletes the files made through it and leaves the rest to the owner.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (borrowedFiles != null) {
      for (Path file : Set.copyOf(borrowedFiles)) {
        deleteFile(file);
      }
      return;
    }
    try {
      files.close();
    } finally {
      buffers.close();
      reservation.close();
    }
  }
}
