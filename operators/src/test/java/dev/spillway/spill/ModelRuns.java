package dev.spillway.spill;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * One engine run on seeded random records, its output checked against a model: the merger's sums,
 * the group-by's values (count and contents) per key, the sorter's records per key and their order.
 * A few records (one in 15,000) are larger than the whole budget: a key for the merger, a value for
 * the group-by, either for the sorter. The runner tests' soak run uses it too, through this
 * module's test jar.
 */
final class ModelRuns {
  static final String[] ENGINES = {"merger", "group-by", "sorter"};

  private ModelRuns() {}

  /**
   * Runs 60,000 records over 20,000 keys through {@code engine}; see {@link #run(String,
   * SpillConfig, long, int, int)}.
   */
  static SpillStats run(String engine, SpillConfig config, long seed) {
    return run(engine, config, seed, 60_000, 20_000);
  }

  /**
   * Runs {@code records} records over {@code keySpace} keys of up to 16 bytes through {@code
   * engine} ("merger", "group-by" or "sorter") and compares its output with a model.
   *
   * @throws AssertionError if a record was lost, changed, repeated or put out of order
   */
  static SpillStats run(String engine, SpillConfig config, long seed, int records, int keySpace) {
    Random random = new Random(seed);
    int large = (int) Math.min(config.pool().capacity() * 3 / 2, 8 << 20);
    Map<ByteBuffer, Long> model = new HashMap<>();
    Map<ByteBuffer, Long> out = new HashMap<>();
    SpillStats stats;
    switch (engine) {
      case "merger":
        try (ExternalMerger<Long, long[]> m =
            new ExternalMerger<>(new LongSum(), LongSum.CODEC, config)) {
          for (int i = 0; i < records; i++) {
            byte[] key = isLarge(i) ? largeKey(i, large) : Keys.key(random, keySpace, 16);
            long v = random.nextInt(1000);
            m.add(key, v);
            model.merge(ByteBuffer.wrap(key), v, Long::sum);
          }
          try (CombineCursor<long[]> c = m.finish()) {
            while (c.next()) {
              putOnce(
                  out, Keys.wrap(c.keyArray(), c.keyOffset(), c.keyLength()), c.accumulator()[0]);
            }
          }
          stats = m.stats();
        }
        break;
      case "group-by":
        try (ExternalGroupBy g = new ExternalGroupBy(config)) {
          for (int i = 0; i < records; i++) {
            byte[] key = Keys.key(random, keySpace, 16);
            byte[] value = isLarge(i) ? largeValue(random, large) : Keys.value(random, 8);
            g.add(key, value);
            model.merge(ByteBuffer.wrap(key), valueDigest(value, 0, value.length), Long::sum);
          }
          try (GroupCursor c = g.finish()) {
            while (c.next()) {
              long digest = 0;
              ValueCursor values = c.values().cursor();
              while (values.next()) {
                digest += valueDigest(values.array(), values.offset(), values.length());
              }
              putOnce(out, Keys.wrap(c.keyArray(), c.keyOffset(), c.keyLength()), digest);
            }
          }
          stats = g.stats();
        }
        break;
      case "sorter":
        try (ExternalSorter s = new ExternalSorter(config)) {
          for (int i = 0; i < records; i++) {
            boolean largeKey = isLarge(i) && i % 2 == 0;
            byte[] key = largeKey ? largeKey(i, large) : Keys.key(random, keySpace, 16);
            s.add(key, isLarge(i) && !largeKey ? largeValue(random, large) : Keys.value(random, 8));
            model.merge(ByteBuffer.wrap(key), 1L, Long::sum);
          }
          ByteBuffer previous = null;
          try (RecordCursor c = s.finish()) {
            while (c.next()) {
              ByteBuffer k = Keys.wrap(c.keyArray(), c.keyOffset(), c.keyLength());
              if (previous != null && Arrays.compareUnsigned(previous.array(), k.array()) > 0) {
                throw new AssertionError("sorter output out of order");
              }
              previous = k;
              out.merge(k, 1L, Long::sum);
            }
          }
          stats = s.stats();
        }
        break;
      default:
        throw new IllegalArgumentException("unknown engine " + engine);
    }
    ModelAssert.assertSameMap(model, out);
    return stats;
  }

  private static boolean isLarge(int i) {
    return i % 15_000 == 7_001;
  }

  /** A key of {@code size} bytes: one of two, so that each comes more than once in long runs. */
  private static byte[] largeKey(int i, int size) {
    byte[] key = new byte[size];
    Arrays.fill(key, (byte) (i / 15_000 % 2 + 1));
    return key;
  }

  private static byte[] largeValue(Random random, int size) {
    byte[] value = new byte[size];
    random.nextBytes(value);
    return value;
  }

  /** Counts a value and sums its contents, so that a lost, repeated or changed value shows. */
  private static long valueDigest(byte[] array, int offset, int length) {
    long h = 1_000_003L;
    for (int i = 0; i < length; i++) {
      h = h * 31 + array[offset + i];
    }
    return h;
  }

  private static void putOnce(Map<ByteBuffer, Long> out, ByteBuffer key, long value) {
    if (out.put(key, value) != null) {
      throw new AssertionError("key returned twice: " + key);
    }
  }
}
