package dev.spillway.spill;

import java.util.BitSet;

/**
 * What a record costs the combine's in-memory table ({@link CombineTable} with {@link LongSum}),
 * beside the fastest table plain Java gives the same work (8-byte keys and their sums in two {@code
 * long[]} arrays, linear probing at a load of at most one half), in nanoseconds a record: records
 * keys drawn at random from a key space, four rounds in one JVM. A key space larger than the caches
 * shows the table's dependent cache misses, a small one its instructions. In the engine's package,
 * to reach the table. Run with {@code java -Xmx2g -cp benchmarks/target/spillway-benchmarks.jar
 * dev.spillway.spill.TableProbeCost KEYS RECORDS}.
 */
public final class TableProbeCost {
  private static final int ROUNDS = 4;

  private TableProbeCost() {}

  public static void main(String[] args) {
    int keys = Integer.parseInt(args[0]);
    int records = Integer.parseInt(args[1]);
    for (int round = 0; round < ROUNDS; round++) {
      double table = tableNanos(keys, records);
      double primitive = primitiveNanos(keys, records);
      System.out.printf(
          "round %d: table %.0f ns/record, primitive %.0f ns/record (%,d keys)%n",
          round, table, primitive, keys);
    }
  }

  private static long keyOf(int record, int keys) {
    return Long.remainderUnsigned(KeyHasher.mix64(record), keys);
  }

  private static double tableNanos(int keys, int records) {
    try (EngineResources resources = new EngineResources(SpillConfig.withBudget(1L << 30))) {
      CombineTable<Long, long[]> table =
          new CombineTable<>(new LongSum(), LongSum.CODEC, resources);
      byte[] key = new byte[8];
      Long one = 1L;
      long start = System.nanoTime();
      for (int i = 0; i < records; i++) {
        OrderedBytes.putUnsignedLong(keyOf(i, keys), key, 0);
        if (!table.addInput(key, 0, 8, one)) {
          throw new IllegalStateException("the table ran out of its 1 GiB budget");
        }
      }
      long nanos = System.nanoTime() - start;
      if (table.size() != distinct(keys, records)) {
        throw new IllegalStateException("the table holds " + table.size() + " keys");
      }
      return nanos / (double) records;
    }
  }

  private static double primitiveNanos(int keys, int records) {
    int slots = Integer.highestOneBit(keys * 2 - 1) * 2;
    long[] stored = new long[slots];
    long[] sums = new long[slots];
    boolean[] used = new boolean[slots];
    long start = System.nanoTime();
    for (int i = 0; i < records; i++) {
      long k = keyOf(i, keys);
      int s = (int) KeyHasher.mix64(k) & (slots - 1);
      while (used[s] && stored[s] != k) {
        s = (s + 1) & (slots - 1);
      }
      if (!used[s]) {
        used[s] = true;
        stored[s] = k;
      }
      sums[s] += 1;
    }
    return (System.nanoTime() - start) / (double) records;
  }

  /** The keys the records draw, counted on the side so the table's count can be checked. */
  private static int distinct(int keys, int records) {
    BitSet seen = new BitSet(keys);
    for (int i = 0; i < records; i++) {
      seen.set((int) keyOf(i, keys));
    }
    return seen.cardinality();
  }
}
