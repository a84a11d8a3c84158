package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.Test;

/** The shared pool: a hard cap, fair shares, waiting, and clear failures. */
public class MemoryPoolTest {

  @Test
  public void oneConsumerMayTakeTheWholePoolButNoMore() {
    MemoryPool pool = MemoryPool.ofBytes(1000);
    MemoryReservation r = new MemoryReservation(pool, 100);
    assertTrue(r.tryReserve(900));
    assertTrue(r.tryReserve(100));
    assertFalse(r.tryReserve(1));
    assertEquals(1000, pool.used());
    r.release(1000);
    assertTrue(pool.used() <= 200);
    r.close();
    assertEquals(0, pool.used());
  }

  @Test
  public void twoConsumersGetHalfEach() {
    MemoryPool pool = MemoryPool.ofBytes(1000);
    MemoryReservation a = new MemoryReservation(pool, 10);
    MemoryReservation b = new MemoryReservation(pool, 10);
    assertTrue(a.tryReserve(500));
    assertFalse("past the fair share", a.tryReserve(10));
    assertTrue(b.tryReserve(500));
    b.close();
    assertTrue("the share grows back when b leaves", a.tryReserve(400));
    a.close();
  }

  /**
   * An admission's bytes serve the floors of its own thread's consumers, not another thread's; it
   * takes no share of the pool; closing it gives back what was not taken.
   */
  @Test
  public void anAdmissionServesItsThreadsFloorsAndGivesBackTheRest() throws Exception {
    MemoryPool pool = MemoryPool.ofBytes(1000, Duration.ofMillis(200));
    MemoryReservation a = new MemoryReservation(pool, 10);
    try (MemoryPool.Admission start = pool.admit(700)) {
      assertEquals(700, pool.used());
      assertEquals("an admission takes no share", 1000, pool.fairShare());
      FutureTask<IllegalStateException> other =
          new FutureTask<>(
              () -> {
                try (MemoryReservation b = new MemoryReservation(pool, 10)) {
                  return assertThrows(IllegalStateException.class, () -> b.holdFloor(400));
                }
              });
      new Thread(other).start();
      assertThat(
          "not from another thread's admission",
          other.get(1, TimeUnit.MINUTES).getMessage(),
          containsString("waited"));
      a.holdFloor(500);
      assertEquals("taken from the admission", 700, pool.used());
      start.close();
      assertEquals("the rest given back", 500, pool.used());
      start.close(); // idempotent
      assertEquals(500, pool.used());
    }
    a.close();
    assertEquals(0, pool.used());
  }

  @Test
  public void waitingForMemoryThatAnotherReleases() throws Exception {
    MemoryPool pool = MemoryPool.ofBytes(1000, Duration.ofSeconds(30));
    MemoryReservation a = new MemoryReservation(pool, 10);
    assertTrue(a.tryReserve(1000));
    MemoryReservation b = new MemoryReservation(pool, 10);
    CountDownLatch waiting = new CountDownLatch(1);
    List<Throwable> failures = new ArrayList<>();
    Thread t =
        new Thread(
            () -> {
              try {
                waiting.countDown();
                b.reserve(300);
              } catch (Throwable e) {
                failures.add(e);
              }
            });
    t.start();
    waiting.await();
    Thread.sleep(50);
    assertTrue("still waiting", t.isAlive());
    a.release(1000);
    t.join(10_000);
    assertEquals(List.of(), failures);
    assertEquals(300, b.used());
    a.close();
    b.close();
  }

  @Test
  public void waitingTimesOutNamingThePool() {
    MemoryPool pool = MemoryPool.ofBytes(1000, Duration.ofMillis(50));
    MemoryReservation a = new MemoryReservation(pool, 10);
    assertTrue(a.tryReserve(1000));
    MemoryReservation b = new MemoryReservation(pool, 10);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.reserve(100));
    assertThat(e.getMessage(), containsString("of the memory budget of 1000 bytes"));
    a.close();
    b.close();
  }

  /**
   * A request waits for as long as the thread holding the memory runs, past the timeout: a sorter
   * merging at its floor for minutes releases in the end. Three sort tasks of the sort job at 64
   * KiB, with room for one sorter's floor, failed after one minute while the first one worked.
   */
  @Test
  public void waitingOutlastsTheTimeoutWhileTheHolderRuns() throws Exception {
    MemoryPool pool = MemoryPool.ofBytes(1000, Duration.ofMillis(100));
    CountDownLatch holding = new CountDownLatch(1);
    Thread holder =
        new Thread(
            () -> {
              MemoryReservation a = new MemoryReservation(pool, 10);
              a.holdFloor(1000);
              holding.countDown();
              long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
              while (System.nanoTime() < until) {
                Thread.onSpinWait(); // working: running, not waiting
              }
              a.close();
            });
    holder.start();
    holding.await();
    MemoryReservation b = new MemoryReservation(pool, 10);
    long start = System.nanoTime();
    b.holdFloor(500);
    assertThat(
        "waited for the running holder, past the timeout",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
        greaterThan(1_000L));
    b.close();
    holder.join();
    assertEquals(0, pool.used());
  }

  /** A holder that does not run (blocked outside the pool) lets the wait time out, naming it. */
  @Test
  public void waitingTimesOutWhileTheHolderDoesNotRun() throws Exception {
    MemoryPool pool = MemoryPool.ofBytes(1000, Duration.ofMillis(200));
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Thread holder =
        new Thread(
            () -> {
              try (MemoryReservation a = new MemoryReservation(pool, 10)) {
                a.holdFloor(1000);
                holding.countDown();
                done.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    holder.start();
    holding.await();
    try (MemoryReservation b = new MemoryReservation(pool, 10)) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.holdFloor(500));
      assertThat(e.getMessage(), containsString("none of their threads ran"));
    } finally {
      done.countDown();
      holder.join();
    }
    assertEquals(0, pool.used());
  }

  @Test
  public void aRequestNoReleaseCanMeetFailsAtOnce() {
    MemoryPool pool = MemoryPool.ofBytes(1000, Duration.ofMinutes(5));
    MemoryReservation a = new MemoryReservation(pool, 10);
    a.reserve(900);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.reserve(200));
    assertThat(e.getMessage(), containsString("already holds"));
    a.close();
  }

  @Test
  public void aCircleOfWaitersFailsAtOnceInsteadOfAfterTheTimeout() throws Exception {
    MemoryPool pool = MemoryPool.ofBytes(1000, Duration.ofMinutes(5));
    MemoryReservation a = new MemoryReservation(pool, 10);
    MemoryReservation b = new MemoryReservation(pool, 10);
    a.reserve(600);
    b.reserve(300);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    Thread t =
        new Thread(
            () -> {
              try {
                a.reserve(300);
              } catch (Throwable e) {
                failures.add(e);
              }
            });
    t.start();
    while (t.getState() != Thread.State.TIMED_WAITING) {
      Thread.sleep(1);
    }
    long start = System.nanoTime();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.reserve(200));
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    assertThat(
        e.getMessage(),
        containsString(
            "none of the 2 engines sharing it can release any of the 900 bytes in use (waiting for memory: 2;"));
    b.close();
    t.join(10_000);
    assertFalse("a got what b released", t.isAlive());
    assertEquals(List.of(), failures);
    assertEquals(900, pool.used());
    a.close();
    assertEquals(0, pool.used());
  }

  @Test
  public void aThreadWaitingOnItselfFailsAtOnce() {
    // Two steps fused on one thread: the upstream engine holds memory while its output feeds a
    // downstream engine on the same thread, which waits for more than is free. Nothing else
    // runs, so nothing can be released.
    MemoryPool pool = MemoryPool.ofBytes(1000, Duration.ofMinutes(5));
    MemoryReservation upstream = new MemoryReservation(pool, 10);
    upstream.reserve(700);
    MemoryReservation downstream = new MemoryReservation(pool, 10);
    long start = System.nanoTime();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> downstream.reserve(400));
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    assertThat(
        e.getMessage(),
        containsString("waiting for memory: 1; the others are used by the waiting threads"));
    downstream.close();
    upstream.close();
    assertEquals(0, pool.used());
  }

  @Test
  public void fusedGroupAndSortOnTwoThreadsWorkAt1MiB() throws Exception {
    // Each thread groups, and sorts each group's values in a second engine while the first is
    // still handing them out, as a group and a sort fused on one thread would.
    onThreads(
        MemoryPool.ofBytes(1 << 20, Duration.ofSeconds(20)),
        2,
        (id, config) -> assertEquals(200_000, groupThenSortEachKey(config, id)));
  }

  /** Finishes a sorter of {@link OrderedBytes} longs, checks their order and counts them. */
  private static long finishInOrder(ExternalSorter sorter) {
    long previous = Long.MIN_VALUE;
    long n = 0;
    try (RecordCursor out = sorter.finish()) {
      while (out.next()) {
        long k = OrderedBytes.decodeLong(out.keyArray(), out.keyOffset());
        assertTrue(k >= previous);
        previous = k;
        n++;
      }
    }
    return n;
  }

  /** Groups 200,000 records over 300 keys, then sorts each key's values in an engine of its own. */
  private static long groupThenSortEachKey(SpillConfig config, long seed) {
    Random random = new Random(seed);
    long sorted = 0;
    try (ExternalGroupBy groups = new ExternalGroupBy(config)) {
      for (int i = 0; i < 200_000; i++) {
        groups.add(
            OrderedBytes.encodeLong(random.nextInt(300)),
            OrderedBytes.encodeLong(random.nextLong()));
      }
      try (GroupCursor group = groups.finish()) {
        while (group.next()) {
          try (ExternalSorter sorter = new ExternalSorter(config)) {
            ValueCursor values = group.values().cursor();
            while (values.next()) {
              byte[] v = new byte[values.length()];
              System.arraycopy(values.array(), values.offset(), v, 0, v.length);
              sorter.add(v, new byte[0]);
            }
            sorted += finishInOrder(sorter);
          }
        }
      }
    }
    return sorted;
  }

  @Test
  public void enginesStartingTogetherOnTheSmallestPoolTakeTurns() throws Exception {
    // At 64 KiB, one engine's floor (block buffers and eight pages) is most of the pool. Four
    // threads start engines at the same moment, twelve times: if each took its buffers and then
    // waited for its pages, three could hold buffers while each waits for the others to let go.
    CyclicBarrier together = new CyclicBarrier(4);
    onThreads(
        MemoryPool.ofBytes(64 << 10, Duration.ofSeconds(20)),
        4,
        (id, config) -> {
          Random random = new Random(id);
          for (int round = 0; round < 12; round++) {
            // A thread that failed no longer arrives: the others time out rather than hang.
            together.await(60, TimeUnit.SECONDS);
            sumAndCheck(config, random, 3_000, 1_000);
          }
        });
  }

  @Test
  public void enginesInOneJvmShareOneBudget() throws Exception {
    // Four threads, as four concurrent bundles, each sorting with the same 1 MiB pool.
    MemoryPool pool = MemoryPool.ofBytes(1 << 20);
    onThreads(
        pool,
        4,
        (id, config) -> {
          try (ExternalSorter sorter = new ExternalSorter(config)) {
            Random random = new Random(id);
            for (int i = 0; i < 40_000; i++) {
              sorter.add(OrderedBytes.encodeLong(random.nextLong()), new byte[8]);
              assertTrue(pool.used() <= pool.capacity());
            }
            assertEquals(40_000, finishInOrder(sorter));
          }
        });
  }

  @Test
  public void mixedEnginesOnSixThreadsStayCorrectWithinOnePool() throws Exception {
    MemoryPool pool = MemoryPool.ofBytes(2 << 20);
    onThreads(
        pool,
        6,
        (id, config) -> {
          Random random = new Random(id);
          if (id % 2 == 0) {
            sumAndCheck(config, random, 60_000, 20_000);
            return;
          }
          Map<Long, Integer> model = new HashMap<>();
          try (ExternalGroupBy groups = new ExternalGroupBy(config)) {
            for (int i = 0; i < 60_000; i++) {
              long k = random.nextInt(10_000);
              groups.add(OrderedBytes.encodeLong(k), new byte[6]);
              model.merge(k, 1, Integer::sum);
              assertTrue(pool.used() <= pool.capacity());
            }
            Map<Long, Integer> out = new HashMap<>();
            try (GroupCursor c = groups.finish()) {
              while (c.next()) {
                out.put(
                    OrderedBytes.decodeLong(c.keyArray(), c.keyOffset()), (int) c.values().count());
              }
            }
            assertEquals(model, out);
          }
        });
  }

  /** What one thread of {@link #onThreads} does, with a config on the shared pool. */
  private interface EngineRun {
    void run(int id, SpillConfig config) throws Exception;
  }

  /**
   * Runs {@code run} on {@code threads} threads at once, as concurrent bundles, with one pool and
   * one spill root; then no thread may have failed, and the pool and the root must be empty.
   */
  private static void onThreads(MemoryPool pool, int threads, EngineRun run) throws Exception {
    Path root = Files.createTempDirectory("pool-test");
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      started.add(
          new Thread(
              () -> {
                try {
                  run.run(id, SpillConfig.withPool(pool).withSpillDirectories(List.of(root)));
                } catch (Throwable e) {
                  failures.add(e);
                }
              }));
    }
    started.forEach(Thread::start);
    try {
      for (Thread t : started) {
        t.join();
      }
      assertEquals(List.of(), failures);
      assertEquals(0, pool.used());
      try (Stream<Path> left = Files.list(root)) {
        assertEquals(0, left.count());
      }
    } finally {
      // Empty when the checks pass; otherwise the root goes with what the engines left.
      try (Stream<Path> all = Files.walk(root)) {
        for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
  }

  /** Sums {@code records} counts over {@code keySpace} keys with a merger; checks a model. */
  private static void sumAndCheck(SpillConfig config, Random random, int records, int keySpace) {
    Map<Long, Long> model = new HashMap<>();
    Map<Long, Long> out = new HashMap<>();
    try (ExternalMerger<Long, long[]> merger =
        new ExternalMerger<>(new LongSum(), LongSum.CODEC, config)) {
      for (int i = 0; i < records; i++) {
        long k = random.nextInt(keySpace);
        merger.add(OrderedBytes.encodeLong(k), 1L);
        model.merge(k, 1L, Long::sum);
        assertTrue(config.pool().used() <= config.pool().capacity());
      }
      try (CombineCursor<long[]> c = merger.finish()) {
        while (c.next()) {
          out.put(OrderedBytes.decodeLong(c.keyArray(), c.keyOffset()), c.accumulator()[0]);
        }
      }
    }
    assertEquals(model, out);
  }
}
