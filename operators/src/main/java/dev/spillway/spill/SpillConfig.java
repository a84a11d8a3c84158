package dev.spillway.spill;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Objects;

/**
 * How an engine may use memory and disk. Immutable; every {@code withX} returns a copy.
 *
 * <pre>{@code
 * SpillConfig config = SpillConfig.withBudget(64 << 20)
 *     .withSpillDirectories(List.of(Paths.get("/mnt/disk1"), Paths.get("/mnt/disk2")))
 *     .withCodec(CompressionCodec.LZ4)
 *     .withEncryption(true);
 * }</pre>
 *
 * <p>Engines given the same {@link MemoryPool} share its capacity; {@link #withBudget} makes a
 * private pool.
 */
public final class SpillConfig {
  /** The seed's partition count: a prime, so that structured hashes still spread. */
  public static final int DEFAULT_PARTITIONS = 59;

  /** At most this many partitions in all, across levels of recursive repartitioning. */
  public static final int MAX_TOTAL_PARTITIONS = 4096;

  public static final int DEFAULT_MAX_FAN_IN = 64;
  public static final int DEFAULT_BLOCK_BYTES = 64 << 10;

  // Not final only so that the withX methods can set them on their fresh copy.
  private MemoryPool pool;
  private List<Path> spillDirectories;
  private CompressionCodec codec;
  private int partitions;
  private int maxFanIn;
  private int maxBlockBytes;
  private boolean encryption;
  private boolean roomForFusedEngines;
  private KeyHasher hasher;
  private SpillFaults faults;

  private SpillConfig(MemoryPool pool) {
    this.pool = pool;
    this.spillDirectories = List.of(Paths.get(System.getProperty("java.io.tmpdir")));
    this.codec = CompressionCodec.LZ4;
    this.partitions = DEFAULT_PARTITIONS;
    this.maxFanIn = DEFAULT_MAX_FAN_IN;
    this.maxBlockBytes = DEFAULT_BLOCK_BYTES;
    this.hasher = KeyHasher.DEFAULT;
    this.faults = SpillFaults.NONE;
  }

  private SpillConfig copy() {
    SpillConfig c = new SpillConfig(pool);
    c.spillDirectories = spillDirectories;
    c.codec = codec;
    c.partitions = partitions;
    c.maxFanIn = maxFanIn;
    c.maxBlockBytes = maxBlockBytes;
    c.encryption = encryption;
    c.roomForFusedEngines = roomForFusedEngines;
    c.hasher = hasher;
    c.faults = faults;
    return c;
  }

  /** A private pool of {@code budgetBytes}, spilling to {@code java.io.tmpdir} with LZ4. */
  public static SpillConfig withBudget(long budgetBytes) {
    return withPool(MemoryPool.ofBytes(budgetBytes));
  }

  /** Shares {@code pool} with every other engine given it. */
  public static SpillConfig withPool(MemoryPool pool) {
    return new SpillConfig(Objects.requireNonNull(pool, "pool"));
  }

  /** Spills round-robin over these roots (each engine makes a private subdirectory in each). */
  public SpillConfig withSpillDirectories(List<Path> roots) {
    Objects.requireNonNull(roots, "spill directories");
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("at least one spill directory is needed");
    }
    SpillConfig c = copy();
    c.spillDirectories = List.copyOf(roots);
    return c;
  }

  /** Compresses spilled blocks with {@code codec} (LZ4 by default). */
  public SpillConfig withCodec(CompressionCodec codec) {
    SpillConfig c = copy();
    c.codec = Objects.requireNonNull(codec, "codec");
    return c;
  }

  /** Hash partitions per level (59 by default, as in PySpark). */
  public SpillConfig withPartitions(int partitions) {
    if (partitions < 2 || partitions > MAX_TOTAL_PARTITIONS) {
      throw new IllegalArgumentException(
          "partitions must be in [2, " + MAX_TOTAL_PARTITIONS + "], was " + partitions);
    }
    SpillConfig c = copy();
    c.partitions = partitions;
    return c;
  }

  /**
   * The most runs merged at once (and so open files); more are merged in rounds. An engine also
   * keeps it within a quarter of the file descriptors the process has left.
   */
  public SpillConfig withMaxFanIn(int maxFanIn) {
    if (maxFanIn < 2) {
      throw new IllegalArgumentException("max fan-in must be at least 2, was " + maxFanIn);
    }
    SpillConfig c = copy();
    c.maxFanIn = maxFanIn;
    return c;
  }

  /** The raw size of a spill block (a lone larger record still gets a block of its own). */
  public SpillConfig withMaxBlockBytes(int maxBlockBytes) {
    if (maxBlockBytes < 256) {
      throw new IllegalArgumentException(
          "max block bytes must be at least 256, was " + maxBlockBytes);
    }
    SpillConfig c = copy();
    c.maxBlockBytes = maxBlockBytes;
    return c;
  }

  /**
   * Encrypts spilled blocks with AES-GCM under a random key made for each engine and held only in
   * its memory (as Spark's {@code spark.io.encryption.enabled}): spill files are unreadable to
   * anyone, and a changed byte is detected. Off by default.
   */
  public SpillConfig withEncryption(boolean encryption) {
    SpillConfig c = copy();
    c.encryption = encryption;
    return c;
  }

  /**
   * For an engine whose output is read while other engines start on the same thread, as the steps a
   * Beam runner fuses after it do: while it hands out its output it holds at most its fair share
   * less two engines' floors (spilling first if it holds more), so that a step fused after it (a
   * sort of each group) and the next step's engine (which spills on demand to its floor) can take
   * their floors. Costs a spill when the output would otherwise be read from memory filling the
   * budget, and smaller partitions loaded at a time. Off by default.
   */
  public SpillConfig withRoomForFusedEngines(boolean room) {
    SpillConfig c = copy();
    c.roomForFusedEngines = room;
    return c;
  }

  /** For tests: a hasher that forces collisions. */
  SpillConfig withHasher(KeyHasher hasher) {
    SpillConfig c = copy();
    c.hasher = Objects.requireNonNull(hasher, "hasher");
    return c;
  }

  /** For tests: faults injected into spill writes. */
  SpillConfig withFaults(SpillFaults faults) {
    SpillConfig c = copy();
    c.faults = Objects.requireNonNull(faults, "faults");
    return c;
  }

  /**
   * Fails with an {@link IllegalArgumentException} naming {@code root} if it does not exist, is not
   * a directory or is not writable: the check every engine makes of its spill directories.
   */
  public static void checkSpillDirectory(Path root) {
    SpillDirectories.checkRoot(root);
  }

  /** The pool every engine given this config reserves its memory from. */
  public MemoryPool pool() {
    return pool;
  }

  /** The roots spill files go to, round-robin; the first usable one also holds exchanges. */
  public List<Path> spillDirectories() {
    return spillDirectories;
  }

  /** The codec spilled blocks are compressed with. */
  public CompressionCodec codec() {
    return codec;
  }

  /** Hash partitions per level of a spilling table. */
  public int partitions() {
    return partitions;
  }

  /** The most runs merged at once, before an engine's own file-descriptor cap. */
  public int maxFanIn() {
    return maxFanIn;
  }

  /** The raw size of a spill block. */
  public int maxBlockBytes() {
    return maxBlockBytes;
  }

  /** Whether spilled blocks are encrypted with a key held only in the engine's memory. */
  public boolean encryption() {
    return encryption;
  }

  /** See {@link #withRoomForFusedEngines}. */
  public boolean roomForFusedEngines() {
    return roomForFusedEngines;
  }

  KeyHasher hasher() {
    return hasher;
  }

  SpillFaults faults() {
    return faults;
  }
}
