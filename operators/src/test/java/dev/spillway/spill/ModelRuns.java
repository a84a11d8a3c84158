package dev.spillway.spill;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/** One engine run on 60,000 seeded random records, its output checked against a model. */
final class ModelRuns {
  static final String[] ENGINES = {"merger", "group-by", "sorter"};

  private ModelRuns() {}

  /** Runs {@code engine} ("merger", "group-by" or "sorter") and compares it with a model. */
  /** Runs 60,000 records through one engine and checks its output against a model. */
  static SpillStats run(String engine, SpillConfig config, long seed) {
    Random random = new Random(seed);
    Map<ByteBuffer, Long> model = new HashMap<>();
    Map<ByteBuffer, Long> out = new HashMap<>();
    switch (engine) {
      case "merger":
        try (ExternalMerger<Long, long[]> m =
            new ExternalMerger<>(new LongSum(), LongSum.CODEC, config)) {
          for (int i = 0; i < 60_000; i++) {
            byte[] key = Keys.key(random, 20_000, 16);
            m.add(key, 1L);
            model.merge(ByteBuffer.wrap(key), 1L, Long::sum);
          }
          try (CombineCursor<long[]> c = m.finish()) {
            while (c.next()) {
              ByteBuffer k = Keys.wrap(c.keyArray(), c.keyOffset(), c.keyLength());
              if (out.put(k, c.accumulator()[0]) != null) {
                throw new AssertionError("key returned twice: " + k);
              }
            }
          }
          ModelAssert.assertSameMap(model, out);
          return m.stats();
        }
      case "group-by":
        try (ExternalGroupBy g = new ExternalGroupBy(config)) {
          for (int i = 0; i < 60_000; i++) {
            byte[] key = Keys.key(random, 20_000, 16);
            byte[] value = Keys.value(random, 8);
            g.add(key, value);
            model.merge(ByteBuffer.wrap(key), 1L, Long::sum);
          }
          try (GroupCursor c = g.finish()) {
            while (c.next()) {
              ByteBuffer k = Keys.wrap(c.keyArray(), c.keyOffset(), c.keyLength());
              long n = 0;
              ValueCursor values = c.values().cursor();
              while (values.next()) {
                n++;
              }
              if (out.put(k, n) != null) {
                throw new AssertionError("key returned twice: " + k);
              }
            }
          }
          ModelAssert.assertSameMap(model, out);
          return g.stats();
        }
      default:
        try (ExternalSorter s = new ExternalSorter(config)) {
          for (int i = 0; i < 60_000; i++) {
            byte[] key = Keys.key(random, 20_000, 16);
            s.add(key, Keys.value(random, 8));
            model.merge(ByteBuffer.wrap(key), 1L, Long::sum);
          }
          try (RecordCursor c = s.finish()) {
            while (c.next()) {
              out.merge(Keys.wrap(c.keyArray(), c.keyOffset(), c.keyLength()), 1L, Long::sum);
            }
          }
          ModelAssert.assertSameMap(model, out);
          return s.stats();
        }
    }
  }
}
