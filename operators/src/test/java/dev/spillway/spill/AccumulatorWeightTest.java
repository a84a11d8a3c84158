package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Accumulators weighed by the heap they take, not by their encoding. */
public class AccumulatorWeightTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** An accumulator of 8 encoded bytes that holds about 4 KB of heap from the start. */
  private static final class Heavy {
    long sum;
    final long[] padding = new long[512];
  }

  private static final ValueCodec<Heavy> HEAVY_CODEC =
      new ValueCodec<>() {
        @Override
        public void encode(Heavy value, ByteSink out) {
          out.writeLong(value.sum);
        }

        @Override
        public Heavy decode(byte[] bytes, int offset, int length) {
          Heavy h = new Heavy();
          h.sum = OrderedBytes.getUnsignedLong(bytes, offset);
          return h;
        }
      };

  private static final Aggregator<Long, Heavy> HEAVY_SUM =
      new Aggregator<>() {
        @Override
        public Heavy createAccumulator(Long value) {
          Heavy h = new Heavy();
          h.sum = value;
          return h;
        }

        @Override
        public Heavy addInput(Heavy acc, Long value) {
          acc.sum += value;
          return acc;
        }

        @Override
        public Heavy mergeAccumulators(Heavy a, Heavy b) {
          a.sum += b.sum;
          return a;
        }
      };

  private static final CollectLongs TO_LIST = new CollectLongs();
  private static final ValueCodec<List<Long>> LIST_CODEC = CollectLongs.VARINT_CODEC;

  /**
   * 1,000 keys of a hundred values each (a table that pays, never given up for the append buffer):
   * their accumulators take about 4 MB of heap, 32 KB by their encoding. Under a 1 MiB budget the
   * merger must spill, and every sum still comes out right.
   */
  @Test
  public void aMergerSpillsForAccumulatorsLargerThanTheirEncoding() {
    Map<Long, Long> model = new HashMap<>();
    try (ExternalMerger<Long, Heavy> merger =
        new ExternalMerger<>(HEAVY_SUM, HEAVY_CODEC, spill.config(1 << 20))) {
      byte[] key = new byte[8];
      for (long i = 0; i < 100_000; i++) {
        long k = i % 1_000;
        OrderedBytes.putUnsignedLong(k, key, 0);
        merger.add(key, i);
        model.merge(k, i, Long::sum);
      }
      assertThat(
          "spilled for the accumulators' heap", merger.stats().spillCount(), greaterThan(0L));
      Map<Long, Long> out = new HashMap<>();
      try (CombineCursor<Heavy> cursor = merger.finish()) {
        while (cursor.next()) {
          out.put(
              OrderedBytes.getUnsignedLong(cursor.keyArray(), cursor.keyOffset()),
              cursor.accumulator().sum);
        }
      }
      assertEquals(model, out);
    }
  }

  /**
   * 100 keys of 2,000 values each: lists of about 4 MB on the heap, 200 KB encoded. Under a 1 MiB
   * budget the merger spills for what the lists grow by, and every list comes out whole.
   */
  @Test
  public void aMergerSpillsForWhatAccumulatorsGrowBy() {
    Map<Long, Long> model = new HashMap<>();
    try (ExternalMerger<Long, List<Long>> merger =
        new ExternalMerger<>(TO_LIST, LIST_CODEC, spill.config(1 << 20))) {
      byte[] key = new byte[8];
      for (long i = 0; i < 200_000; i++) {
        long k = i % 100;
        OrderedBytes.putUnsignedLong(k, key, 0);
        merger.add(key, i % 100);
        model.merge(k, i % 100, Long::sum);
      }
      assertThat("spilled for the lists' heap", merger.stats().spillCount(), greaterThan(0L));
      Map<Long, Long> sums = new HashMap<>();
      long values = 0;
      try (CombineCursor<List<Long>> cursor = merger.finish()) {
        while (cursor.next()) {
          long sum = 0;
          for (long v : cursor.accumulator()) {
            sum += v;
          }
          values += cursor.accumulator().size();
          sums.put(OrderedBytes.getUnsignedLong(cursor.keyArray(), cursor.keyOffset()), sum);
        }
      }
      assertEquals(200_000, values);
      assertEquals(model, sums);
    }
  }

  /**
   * Between weighings (after the 512th addition and the 1,024th) each addition counts what one
   * added before: after 1,023 the table counts about what the list takes, not what it took at 512.
   */
  @Test
  public void aGrowingAccumulatorIsCountedBetweenWeighings() {
    try (EngineResources resources = new EngineResources(spill.config(64 << 20))) {
      CombineTable<Long, List<Long>> table = new CombineTable<>(TO_LIST, LIST_CODEC, resources);
      table.reset(1);
      byte[] key = {7};
      for (long i = 0; i < 1_023; i++) {
        table.addInput(key, 0, 1, 1_000 + i);
      }
      long heap = new HeapSize().of(table.accumulator(0));
      assertThat(
          "counted "
              + ((ObjectAccumulators<?, ?>) table.column()).accumulatorBytes()
              + " of "
              + heap,
          (double) ((ObjectAccumulators<?, ?>) table.column()).accumulatorBytes(),
          greaterThanOrEqualTo(0.9 * heap));
      table.reset(1);
    }
  }

  /**
   * One key's list of 200,000 values (about 4 MB of heap) cannot be held by a 1 MiB budget: the
   * merge of its spilled parts fails, saying so, instead of running the heap out of memory.
   */
  @Test
  public void anAccumulatorLargerThanTheBudgetFailsByName() {
    IllegalStateException e;
    try (ExternalMerger<Long, List<Long>> merger =
        new ExternalMerger<>(TO_LIST, LIST_CODEC, spill.config(1 << 20))) {
      byte[] key = {1};
      for (long i = 0; i < 200_000; i++) {
        merger.add(key, i % 100);
      }
      e =
          assertThrows(
              IllegalStateException.class,
              () -> {
                try (CombineCursor<List<Long>> cursor = merger.finish()) {
                  while (cursor.next()) {
                    cursor.accumulator();
                  }
                }
              });
    }
    assertThat(e.getMessage(), containsString("the accumulator of one key takes"));
    assertThat(e.getMessage(), containsString("more than the memory budget of 1048576 bytes"));
  }

  /**
   * The child: 12M values over 50,000 keys into lists under a 32 MiB budget, in a 256 MiB heap.
   * Weighed by their encoding (two bytes a value) the lists would never spill and need about 250 MB
   * (a {@code Long} over 127 is an object of its own).
   */
  public static final class ListsChild {
    public static void main(String[] args) {
      SpillConfig config =
          SpillConfig.withBudget(32 << 20).withSpillDirectories(List.of(Paths.get(args[0])));
      long values = 0;
      try (ExternalMerger<Long, List<Long>> merger =
          new ExternalMerger<>(TO_LIST, LIST_CODEC, config)) {
        byte[] key = new byte[8];
        for (long i = 0; i < 12_000_000; i++) {
          OrderedBytes.putUnsignedLong(i % 50_000, key, 0);
          merger.add(key, 128 + (i & 0x3fff));
        }
        try (CombineCursor<List<Long>> cursor = merger.finish()) {
          while (cursor.next()) {
            values += cursor.accumulator().size();
          }
        }
        System.out.println("spills " + merger.stats().spillCount());
      }
      System.out.println("values " + values);
    }
  }

  @Test
  public void listsUnderABudgetStayInAHeapTheirEncodingWouldOverflow() throws Exception {
    ChildJvm child =
        ChildJvm.run(
            tmp.newFile("child.log"), "", ListsChild.class, tmp.newFolder("spill").toString());
    assertEquals(child.log, 0, child.exitCode);
    assertThat(child.log, child.log.contains("values 12000000"));
  }
}
