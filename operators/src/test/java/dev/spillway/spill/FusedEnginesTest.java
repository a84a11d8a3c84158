package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ObjIntConsumer;
import java.util.function.Supplier;
import org.junit.Rule;
import org.junit.Test;

/**
 * Engines on one thread sharing one pool, as Beam steps fused on one thread hold them (Flink chains
 * a group's merge step with the steps after it; Spark runs a stage's steps in one task): the
 * upstream engine's output is read while downstream engines start, grow and finish. Every one of
 * them must get its floor — the thread that would release memory is the one asking — and every
 * result must equal a model. The upstream engines are configured as the transforms' merge steps are
 * ({@link SpillConfig#withRoomForFusedEngines}). Before engines spilled on demand and left room
 * while handing out their output, each of these failed at once ("none of the 2 engines sharing it
 * can release").
 */
public class FusedEnginesTest {
  private static final long BUDGET = 4 << 20;

  @Rule public final SpillDirRule spillDir = new SpillDirRule();

  @Test
  public void aGroupThatFillsTheBudgetFeedsASortOfEachGroup() {
    SpillConfig config = spillDir.config(BUDGET);
    Map<Long, List<Long>> model = new HashMap<>();
    Map<Long, List<Long>> sortedOut = new HashMap<>();
    // As many records as the table holds without a spill: its output is then read from memory,
    // the case that left a fused sort no room for its floor.
    int records =
        recordsBeforeTheFirstSpill(
            () -> new ExternalGroupBy(config),
            (groups, i) ->
                groups.add(OrderedBytes.encodeLong(i % 200), OrderedBytes.encodeLong(mix(i))));
    try (ExternalGroupBy groups = new ExternalGroupBy(config.withRoomForFusedEngines(true))) {
      for (int i = 0; i < records; i++) {
        groups.add(OrderedBytes.encodeLong(i % 200), OrderedBytes.encodeLong(mix(i)));
        model.computeIfAbsent((long) (i % 200), k -> new ArrayList<>()).add(mix(i));
      }
      assertFillsTheBudget(groups, config);
      try (GroupCursor group = groups.finish()) {
        while (group.next()) {
          long key = OrderedBytes.decodeLong(group.keyArray(), group.keyOffset());
          try (ExternalSorter sorter = new ExternalSorter(config)) {
            ValueCursor values = group.values().cursor();
            while (values.next()) {
              sorter.add(copy(values.array(), values.offset(), values.length()), new byte[0]);
            }
            sortedOut.put(key, drainKeys(sorter));
          }
          assertTrue(config.pool().used() <= BUDGET);
        }
      }
    }
    model.values().forEach(values -> values.sort(null));
    assertEquals(model, sortedOut);
  }

  @Test
  public void aCombineThatFillsTheBudgetFeedsTheNextStepsOnItsThread() {
    SpillConfig config = spillDir.config(BUDGET);
    Map<Long, Long> counts = new HashMap<>();
    // Each key ten times in a row (so the table pays and is not dropped for an append buffer),
    // as many records as it holds without a spill.
    int records =
        recordsBeforeTheFirstSpill(
            () -> new ExternalMerger<>(new LongSum(), LongSum.CODEC, config),
            (merger, i) -> merger.add(OrderedBytes.encodeLong(mix(i / 10)), 1L));
    try (ExternalMerger<Long, long[]> upstream =
            new ExternalMerger<>(
                new LongSum(), LongSum.CODEC, config.withRoomForFusedEngines(true));
        NextSteps next = new NextSteps(config)) {
      for (int i = 0; i < records; i++) {
        upstream.add(OrderedBytes.encodeLong(mix(i / 10)), 1L);
        counts.merge(mix(i / 10), 1L, Long::sum);
      }
      assertFillsTheBudget(upstream, config);
      try (CombineCursor<long[]> out = upstream.finish()) {
        while (out.next()) {
          next.take(
              copy(out.keyArray(), out.keyOffset(), out.keyLength()),
              OrderedBytes.encodeLong(out.accumulator()[0]));
        }
      }
      Map<Long, List<Long>> expected = new HashMap<>();
      counts.forEach((key, count) -> expected.put(key, List.of(count)));
      assertEquals(expected, next.finish());
    }
  }

  @Test
  public void aSorterThatFillsTheBudgetFeedsTheNextStepsOnItsThread() {
    SpillConfig config = spillDir.config(BUDGET);
    Map<Long, List<Long>> expected = new HashMap<>();
    int records =
        recordsBeforeTheFirstSpill(
            () -> new ExternalSorter(config),
            (sorter, i) -> sorter.add(OrderedBytes.encodeLong(mix(i)), OrderedBytes.encodeLong(i)));
    try (ExternalSorter upstream = new ExternalSorter(config.withRoomForFusedEngines(true));
        NextSteps next = new NextSteps(config)) {
      for (int i = 0; i < records; i++) {
        upstream.add(OrderedBytes.encodeLong(mix(i)), OrderedBytes.encodeLong(i));
        expected.computeIfAbsent(mix(i), k -> new ArrayList<>()).add((long) i);
      }
      assertFillsTheBudget(upstream, config);
      try (RecordCursor out = upstream.finish()) {
        while (out.next()) {
          next.take(
              copy(out.keyArray(), out.keyOffset(), out.keyLength()),
              copy(out.valueArray(), out.valueOffset(), out.valueLength()));
        }
      }
      assertEquals(expected, next.finish());
    }
  }

  /**
   * The steps fused after an upstream engine, as a runner runs them on its thread: a group-by per
   * bundle of 20,000 elements (the next step's engine, taking input while the upstream output is
   * read), and for every 500th element a sort of 1,000 records, which needs its floor while that
   * group-by holds what it took.
   */
  private static final class NextSteps implements AutoCloseable {
    private final SpillConfig config;
    private final Map<Long, List<Long>> grouped = new HashMap<>();
    private final Random random = new Random(11);
    private ExternalGroupBy bundle;
    private int elements;

    NextSteps(SpillConfig config) {
      this.config = config;
    }

    void take(byte[] key, byte[] value) {
      if (elements % 20_000 == 0) {
        finishBundle();
        bundle = new ExternalGroupBy(config);
      }
      bundle.add(key, value);
      if (elements % 500 == 0) {
        try (ExternalSorter sorter = new ExternalSorter(config)) {
          for (int i = 0; i < 1_000; i++) {
            sorter.add(OrderedBytes.encodeLong(random.nextLong()), new byte[0]);
          }
          assertEquals(1_000, drainKeys(sorter).size());
        }
      }
      assertTrue(config.pool().used() <= BUDGET);
      elements++;
    }

    Map<Long, List<Long>> finish() {
      finishBundle();
      return grouped;
    }

    private void finishBundle() {
      if (bundle == null) {
        return;
      }
      try (GroupCursor groups = bundle.finish()) {
        while (groups.next()) {
          List<Long> values =
              grouped.computeIfAbsent(
                  OrderedBytes.decodeLong(groups.keyArray(), groups.keyOffset()),
                  k -> new ArrayList<>());
          ValueCursor v = groups.values().cursor();
          while (v.next()) {
            values.add(OrderedBytes.decodeLong(v.array(), v.offset()));
          }
        }
      }
      bundle.close();
      bundle = null;
    }

    @Override
    public void close() {
      if (bundle != null) {
        bundle.close();
      }
    }
  }

  @Test
  public void anEngineTakingInputSpillsWhenAnotherOfItsThreadNeedsItsFloor() {
    MemoryPool pool = MemoryPool.ofBytes(BUDGET, Duration.ofMinutes(5));
    MemoryReservation taking = new MemoryReservation(pool, 1024);
    List<Thread> askedOn = new ArrayList<>();
    taking.onDemand(
        () -> {
          askedOn.add(Thread.currentThread());
          taking.release(taking.used());
        });
    assertTrue(taking.tryReserve(BUDGET - 1024));
    MemoryReservation starting = new MemoryReservation(pool, 1024);
    long start = System.nanoTime();
    starting.reserve(BUDGET / 2);
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    assertEquals(List.of(Thread.currentThread()), askedOn);
    starting.close();
    taking.close();
    assertEquals(0, pool.used());
  }

  @Test
  public void anEngineOfAnotherThreadIsNotAskedItIsWaitedFor() throws Exception {
    MemoryPool pool = MemoryPool.ofBytes(BUDGET, Duration.ofMinutes(5));
    MemoryReservation other = new MemoryReservation(pool, 1024);
    List<Thread> askedOn = new ArrayList<>();
    other.onDemand(() -> askedOn.add(Thread.currentThread()));
    assertTrue(other.tryReserve(BUDGET));
    Thread waiter =
        new Thread(
            () -> {
              try (MemoryReservation starting = new MemoryReservation(pool, 1024)) {
                starting.reserve(BUDGET / 2);
              }
            });
    waiter.start();
    // The other thread's engine is never asked: it may be inside its own call at this moment.
    waiter.join(300);
    assertTrue(waiter.isAlive());
    other.release(BUDGET);
    waiter.join(10_000);
    assertEquals(List.of(), askedOn);
    other.close();
    assertEquals(0, pool.used());
  }

  /**
   * Many transforms reading one input: Flink chains each one's step before the shuffle onto the
   * input's thread, so all of their engines are open and adding at once. A dozen in 4 MiB each
   * spill and give the model's sums.
   */
  @Test
  public void aDozenEnginesReadingOneInputOnOneThreadEachSpillAndGiveTheModel() {
    SpillConfig config = spillDir.config(BUDGET);
    List<ExternalMerger<Long, long[]>> mergers = new ArrayList<>();
    try {
      for (int m = 0; m < 12; m++) {
        mergers.add(new ExternalMerger<>(new LongSum(), LongSum.CODEC, config));
      }
      Map<Long, Long> model = new HashMap<>();
      for (int i = 0; i < 200_000; i++) {
        byte[] key = OrderedBytes.encodeLong(mix(i % 50_000));
        for (int m = 0; m < mergers.size(); m++) {
          mergers.get(m).add(key, (long) i * (m + 1));
        }
        model.merge(mix(i % 50_000), (long) i, Long::sum);
        assertTrue(config.pool().used() <= BUDGET);
      }
      for (int m = 0; m < mergers.size(); m++) {
        ExternalMerger<Long, long[]> merger = mergers.get(m);
        Map<Long, Long> sums = new HashMap<>();
        try (CombineCursor<long[]> out = merger.finish()) {
          while (out.next()) {
            sums.put(
                OrderedBytes.decodeLong(out.keyArray(), out.keyOffset()), out.accumulator()[0]);
          }
        }
        assertTrue("engine " + m + " spilled", merger.stats().spillCount() > 0);
        long factor = m + 1;
        Map<Long, Long> expected = new HashMap<>();
        model.forEach((key, sum) -> expected.put(key, sum * factor));
        assertEquals("engine " + m, expected, sums);
        merger.close();
      }
    } finally {
      mergers.forEach(ExternalMerger::close);
    }
  }

  /**
   * Past what the floors of engines open on one thread allow (each keeps its block buffers and a
   * few pages; about 40 KiB at a small budget), the next engine fails by name, saying what to do,
   * and the engines already open give their memory back when closed (the rule checks the pool).
   */
  @Test
  public void moreEnginesOnOneThreadThanTheirFloorsAllowFailByName() {
    SpillConfig config = spillDir.config(256 << 10);
    List<ExternalMerger<Long, long[]>> mergers = new ArrayList<>();
    try {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> {
                for (int m = 0; m < 64; m++) {
                  mergers.add(new ExternalMerger<>(new LongSum(), LongSum.CODEC, config));
                  mergers.get(m).add(OrderedBytes.encodeLong(m), 1L);
                }
              });
      assertThat(e.getMessage(), containsString("put fewer spillway steps on one thread"));
      assertTrue(mergers.size() >= 4);
    } finally {
      mergers.forEach(ExternalMerger::close);
    }
  }

  /** A record's number, scrambled: keys and values all over the range. */
  private static long mix(long i) {
    return KeyHasher.mix64(i + 1);
  }

  /** How many records {@code add} gives an engine before it first spills (that one excluded). */
  private static <E extends SpillingEngine> int recordsBeforeTheFirstSpill(
      Supplier<E> engines, ObjIntConsumer<E> add) {
    try (E engine = engines.get()) {
      int records = 0;
      while (engine.stats().spillCount() == 0) {
        add.accept(engine, records++);
      }
      return records - 1;
    }
  }

  /**
   * The case under test: an engine that has not spilled holds most of the budget, so a new engine's
   * floor, or the floors of two, do not fit beside it.
   */
  private static void assertFillsTheBudget(SpillingEngine engine, SpillConfig config) {
    assertEquals(0, engine.stats().spillCount());
    assertTrue(config.pool().used() > BUDGET * 2 / 3);
  }

  private static byte[] copy(byte[] array, int offset, int length) {
    byte[] copy = new byte[length];
    System.arraycopy(array, offset, copy, 0, length);
    return copy;
  }

  /** Finishes {@code sorter} and returns its keys (decoded longs) in the order given. */
  private static List<Long> drainKeys(ExternalSorter sorter) {
    List<Long> keys = new ArrayList<>();
    try (RecordCursor c = sorter.finish()) {
      while (c.next()) {
        keys.add(OrderedBytes.decodeLong(c.keyArray(), c.keyOffset()));
      }
    }
    for (int i = 1; i < keys.size(); i++) {
      assertTrue(keys.get(i - 1) <= keys.get(i));
    }
    return keys;
  }
}
