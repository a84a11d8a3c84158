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
 *     .withCodec(CompressionCodec.SNAPPY);
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

  private final MemoryPool pool;
  private final List<Path> spillDirectories;
  private final CompressionCodec codec;
  private final int partitions;
  private final int maxFanIn;
  private final int maxBlockBytes;
  private final KeyHasher hasher;

  private SpillConfig(MemoryPool pool, List<Path> spillDirectories, CompressionCodec codec,
      int partitions, int maxFanIn, int maxBlockBytes, KeyHasher hasher) {
    this.pool = pool;
    this.spillDirectories = spillDirectories;
    this.codec = codec;
    this.partitions = partitions;
    this.maxFanIn = maxFanIn;
    this.maxBlockBytes = maxBlockBytes;
    this.hasher = hasher;
  }

  /** A private pool of {@code budgetBytes}, spilling to {@code java.io.tmpdir} with Snappy. */
  public static SpillConfig withBudget(long budgetBytes) {
    return withPool(MemoryPool.ofBytes(budgetBytes));
  }

  /** Shares {@code pool} with every other engine given it. */
  public static SpillConfig withPool(MemoryPool pool) {
    return new SpillConfig(Objects.requireNonNull(pool, "pool"),
        List.of(Paths.get(System.getProperty("java.io.tmpdir"))), CompressionCodec.SNAPPY,
        DEFAULT_PARTITIONS, DEFAULT_MAX_FAN_IN, DEFAULT_BLOCK_BYTES, KeyHasher.DEFAULT);
  }

  /** Spills round-robin over these roots (each engine makes a private subdirectory in each). */
  public SpillConfig withSpillDirectories(List<Path> roots) {
    Objects.requireNonNull(roots, "spill directories");
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("at least one spill directory is needed");
    }
    return new SpillConfig(pool, List.copyOf(roots), codec, partitions, maxFanIn, maxBlockBytes,
        hasher);
  }

  public SpillConfig withCodec(CompressionCodec codec) {
    return new SpillConfig(pool, spillDirectories, Objects.requireNonNull(codec, "codec"),
        partitions, maxFanIn, maxBlockBytes, hasher);
  }

  /** Hash partitions per level (59 by default, as in PySpark). */
  public SpillConfig withPartitions(int partitions) {
    if (partitions < 2 || partitions > MAX_TOTAL_PARTITIONS) {
      throw new IllegalArgumentException(
          "partitions must be in [2, " + MAX_TOTAL_PARTITIONS + "], was " + partitions);
    }
    return new SpillConfig(pool, spillDirectories, codec, partitions, maxFanIn, maxBlockBytes,
        hasher);
  }

  /** The most runs merged at once (and so open files); more are merged in rounds. */
  public SpillConfig withMaxFanIn(int maxFanIn) {
    if (maxFanIn < 2) {
      throw new IllegalArgumentException("max fan-in must be at least 2, was " + maxFanIn);
    }
    return new SpillConfig(pool, spillDirectories, codec, partitions, maxFanIn, maxBlockBytes,
        hasher);
  }

  /** The raw size of a spill block (a lone larger record still gets a block of its own). */
  public SpillConfig withMaxBlockBytes(int maxBlockBytes) {
    if (maxBlockBytes < 256) {
      throw new IllegalArgumentException("max block bytes must be at least 256, was "
          + maxBlockBytes);
    }
    return new SpillConfig(pool, spillDirectories, codec, partitions, maxFanIn, maxBlockBytes,
        hasher);
  }

  /** For tests: a hasher that forces collisions. */
  SpillConfig withHasher(KeyHasher hasher) {
    return new SpillConfig(pool, spillDirectories, codec, partitions, maxFanIn, maxBlockBytes,
        Objects.requireNonNull(hasher, "hasher"));
  }

  /**
   * Fails with an {@link IllegalArgumentException} naming {@code root} if it does not exist, is not
   * a directory or is not writable: the check every engine makes of its spill directories.
   */
  public static void checkSpillDirectory(Path root) {
    SpillDirectories.checkRoot(root);
  }

  public MemoryPool pool() {
    return pool;
  }

  public List<Path> spillDirectories() {
    return spillDirectories;
  }

  public CompressionCodec codec() {
    return codec;
  }

  public int partitions() {
    return partitions;
  }

  public int maxFanIn() {
    return maxFanIn;
  }

  public int maxBlockBytes() {
    return maxBlockBytes;
  }

  KeyHasher hasher() {
    return hasher;
  }
}
