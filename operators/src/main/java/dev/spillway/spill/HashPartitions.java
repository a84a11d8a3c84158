package dev.spillway.spill;

import java.util.Arrays;

/**
 * Which hash partition a key falls in, for the table that spills it ({@link KeyIndex}) and the
 * buffer that appends past it ({@link AppendBuffer}), and the exchange between bundles ({@link
 * ExchangeWriter}): the same function everywhere, so a key's records from every spill of a level
 * meet in the same partition.
 */
final class HashPartitions {
  private HashPartitions() {}

  /** The partition of a hash: its unsigned value scaled to [0, partitions). */
  static int of(int hash, int partitions) {
    return (int) (((hash & 0xFFFFFFFFL) * partitions) >>> 32);
  }

  /**
   * Groups the indexes {@code 0..n-1} by the partition of {@code hashes[i]}, keeping their order
   * within each partition (a counting sort), into {@code order}; fills {@code starts} ({@code
   * partitions + 1} long) with where each partition begins.
   */
  static void order(int[] hashes, int n, int partitions, int[] starts, int[] order) {
    Arrays.fill(starts, 0);
    for (int i = 0; i < n; i++) {
      starts[of(hashes[i], partitions) + 1]++;
    }
    for (int p = 0; p < partitions; p++) {
      starts[p + 1] += starts[p];
    }
    int[] next = Arrays.copyOf(starts, partitions);
    for (int i = 0; i < n; i++) {
      order[next[of(hashes[i], partitions)]++] = i;
    }
  }
}
