package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A two-phase combine through exchange files, against a model: producers combine partially and
 * flush into their files (never spilling), consumers merge each partition's files in an {@link
 * ExternalMerger}; every key comes out once, in its partition, with its whole sum.
 */
public class ExchangeTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static final LongSum SUM = new LongSum();

  private Map<ByteBuffer, Long> exchange(
      MemoryPool pool,
      ExchangeKey key,
      int producers,
      int partitions,
      int records,
      int keySpace,
      long[] flushes)
      throws IOException {
    SpillConfig config = SpillConfig.withPool(pool).withSpillDirectories(List.of(spill.root()));
    Path dir = folder.newFolder().toPath();
    Random random = new Random(producers * 31L + partitions);
    Map<ByteBuffer, Long> model = new HashMap<>();
    List<List<Path>> byPartition = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      byPartition.add(new ArrayList<>());
    }
    for (int t = 0; t < producers; t++) {
      try (ExchangeWriter out = new ExchangeWriter(config, dir, "task-" + t, partitions, key);
          PartialCombiner<Long, long[]> partial =
              new PartialCombiner<>(SUM, LongSum.CODEC, config, out)) {
        for (int i = 0; i < records; i++) {
          byte[] k = Keys.key(random, keySpace, 20);
          long v = random.nextInt(1000) - 500;
          partial.add(k, 0, k.length, v);
          model.merge(ByteBuffer.wrap(k), v, Long::sum);
        }
        partial.finish();
        flushes[0] += partial.flushes();
        List<Path> files = out.finish();
        for (int p = 0; p < partitions; p++) {
          if (files.get(p) != null) {
            byPartition.get(p).add(files.get(p));
          }
        }
      }
    }
    Map<ByteBuffer, Long> out = merge(config, key, byPartition);
    ModelAssert.assertSameMap(model, out);
    assertEquals("the pool is whole again", 0, pool.used());
    try (Stream<Path> left = Files.list(dir)) {
      assertTrue("no file in progress", left.noneMatch(f -> f.toString().endsWith(".inprogress")));
    }
    return out;
  }

  /** Merges each partition's files, checking that every record is in its key's partition. */
  private static Map<ByteBuffer, Long> merge(
      SpillConfig config, ExchangeKey key, List<List<Path>> byPartition) {
    int partitions = byPartition.size();
    Map<ByteBuffer, Long> out = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      try (ExternalMerger<Long, long[]> merger = new ExternalMerger<>(SUM, LongSum.CODEC, config)) {
        // All of the partition's files through one reader, as a consumer reads them.
        try (ExchangeReader in = new ExchangeReader(config, byPartition.get(p), key)) {
          while (in.next()) {
            assertEquals(
                "a record in the partition of its key",
                p,
                ExchangeWriter.partitionOf(
                    in.keyArray(), in.keyOffset(), in.keyLength(), partitions));
            merger.addAccumulator(
                in.keyArray(),
                in.keyOffset(),
                in.keyLength(),
                LongSum.CODEC.decode(in.valueArray(), in.valueOffset(), in.valueLength()));
          }
        }
        try (CombineCursor<long[]> cursor = merger.finish()) {
          while (cursor.next()) {
            ByteBuffer k = Keys.wrap(cursor.keyArray(), cursor.keyOffset(), cursor.keyLength());
            assertEquals("key returned twice", null, out.put(k, cursor.accumulator()[0]));
          }
        }
      }
    }
    return out;
  }

  /**
   * Two producers whose first flushes overlap on a pool that cannot give both writers their block
   * buffers while both combiners hold full tables. Writers used to take a partition's buffer when
   * the partition opened, in the middle of their combiner's flush: each thread then waited for
   * memory the other thread held, and the second to wait failed ("none of the 4 engines sharing it
   * can release", the aggregate job in one CI run). A thread must wait only while it holds nothing.
   */
  @Test
  public void producersWhoseFirstFlushesOverlapOnASmallPoolBothFinish() throws Exception {
    // 64 partitions: blocks of 1 KiB, and the writers' buffers take half the pool. The first
    // producer fills its table with 64 KiB beyond its floor (less than its share while it is
    // alone, so it does not flush yet), then goes on once the second waits for memory or is done.
    twoProducers(256 << 10, 64, Pause.WHEN_FILLED);
  }

  /**
   * Two producers starting at once on a pool with room for one producer's writer and combiner, not
   * two: each takes both in one request ({@link MemoryPool#admit}), so the second waits holding
   * nothing and starts when the first is done. Taking them one by one, the two writers came first
   * and each combiner then waited for the other's floor.
   */
  @Test
  public void producersStartingAtOnceOnAPoolForOneTakeTurns() throws Exception {
    twoProducers(64 << 10, 6, Pause.AFTER_WRITER);
  }

  /** Where the first producer of {@link #twoProducers} lets the second start. */
  private enum Pause {
    NONE, // the second's own
    AFTER_WRITER,
    WHEN_FILLED
  }

  /**
   * Runs two producers of 20,000 records each on one pool of {@code poolBytes}, the second starting
   * when the first pauses at {@code pause} and the first going on once the second waits for memory
   * or is done; checks the exchange against the model and that the pool is whole again.
   */
  private void twoProducers(long poolBytes, int partitions, Pause pause) throws Exception {
    MemoryPool pool = MemoryPool.ofBytes(poolBytes);
    SpillConfig config = SpillConfig.withPool(pool).withSpillDirectories(List.of(spill.root()));
    Path dir = folder.newFolder().toPath();
    Map<ByteBuffer, Long> model = new ConcurrentHashMap<>();
    CountDownLatch firstPaused = new CountDownLatch(1);
    FutureTask<List<Path>> second =
        new FutureTask<>(
            () -> {
              firstPaused.await();
              return produce(config, dir, "second", partitions, 2, model, Pause.NONE, () -> {});
            });
    Thread secondThread = new Thread(second, "second producer");
    secondThread.start();
    try {
      List<Path> firstFiles =
          produce(
              config,
              dir,
              "first",
              partitions,
              1,
              model,
              pause,
              () -> {
                firstPaused.countDown();
                awaitWaitingOrDone(secondThread);
              });
      List<List<Path>> byPartition = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        byPartition.add(new ArrayList<>());
      }
      for (List<Path> files : List.of(firstFiles, second.get(1, TimeUnit.MINUTES))) {
        for (int p = 0; p < partitions; p++) {
          if (files.get(p) != null) {
            byPartition.get(p).add(files.get(p));
          }
        }
      }
      assertEquals("the pool is whole again", 0, pool.used());
      ModelAssert.assertSameMap(model, merge(config, null, byPartition));
    } finally {
      firstPaused.countDown();
      secondThread.join(TimeUnit.MINUTES.toMillis(1));
    }
  }

  /**
   * One producer as the file exchange runs it: takes its writer's buffers and its combiner's floor
   * in one request, then adds 20,000 records of 20,000 keys (from {@code seed}); runs {@code
   * paused} at {@code pause} (when filled: once its combiner took 64 KiB beyond its floor, checking
   * that it did not flush yet); returns its files.
   */
  private static List<Path> produce(
      SpillConfig config,
      Path dir,
      String name,
      int partitions,
      long seed,
      Map<ByteBuffer, Long> model,
      Pause pause,
      Runnable paused) {
    Random random = new Random(seed);
    MemoryPool pool = config.pool();
    try (MemoryPool.Admission start =
            pool.admit(
                ExchangeWriter.bufferBytes(config, partitions)
                    + PartialCombiner.floorBytes(config));
        ExchangeWriter out = new ExchangeWriter(config, dir, name, partitions, null);
        PartialCombiner<Long, long[]> partial =
            newCombiner(config, out, pause == Pause.AFTER_WRITER ? paused : () -> {})) {
      start.close();
      long started = pool.used();
      boolean waitingToFill = pause == Pause.WHEN_FILLED;
      for (int i = 0; i < 20_000; i++) {
        byte[] k = Keys.key(random, 20_000, 20);
        long v = random.nextInt(1000) - 500;
        partial.add(k, 0, k.length, v);
        model.merge(ByteBuffer.wrap(k), v, Long::sum);
        if (waitingToFill && pool.used() - started >= 64 << 10) {
          assertEquals(name + " filled its table without flushing", 0, partial.flushes());
          paused.run();
          waitingToFill = false;
        }
      }
      partial.finish();
      return out.finish();
    }
  }

  private static PartialCombiner<Long, long[]> newCombiner(
      SpillConfig config, ExchangeWriter out, Runnable before) {
    before.run();
    return new PartialCombiner<>(SUM, LongSum.CODEC, config, out);
  }

  /** Returns once {@code thread} waits (for the memory pool, here) or has ended. */
  private static void awaitWaitingOrDone(Thread thread) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Thread.State state = thread.getState();
      if (state == Thread.State.TIMED_WAITING || state == Thread.State.TERMINATED) {
        return;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("the second producer neither waited nor ended in 30 s");
  }

  @Test
  public void repeatedKeysAreCombinedAndFlushedWithinTheBudget() throws IOException {
    long[] flushes = {0};
    exchange(MemoryPool.ofBytes(256 << 10), null, 3, 5, 40_000, 30_000, flushes);
    assertThat("tables flushed when full", flushes[0], greaterThan(3L));
  }

  @Test
  public void distinctKeysPassThrough() throws IOException {
    exchange(MemoryPool.ofBytes(256 << 10), null, 2, 4, 50_000, 50_000_000, new long[1]);
  }

  @Test
  public void anEncryptedExchangeReadsBackOnlyWithItsKey() throws IOException {
    ExchangeKey key = ExchangeKey.create();
    exchange(MemoryPool.ofBytes(1 << 20), key, 2, 3, 20_000, 5_000, new long[1]);
    SpillConfig config = SpillConfig.withBudget(1 << 20);
    Path dir = folder.newFolder().toPath();
    Path file;
    try (ExchangeWriter out = new ExchangeWriter(config, dir, "t", 1, key)) {
      out.add(0, new byte[] {1}, 0, 1, new byte[] {2}, 0, 1);
      file = out.finish().get(0);
    }
    CorruptSegmentException wrongKey =
        assertThrows(
            CorruptSegmentException.class,
            () -> drain(new ExchangeReader(config, file, ExchangeKey.create())));
    assertThat(wrongKey.getMessage(), containsString(file.toString()));
  }

  @Test
  public void aDamagedFileFailsNamingIt() throws IOException {
    SpillConfig config = SpillConfig.withBudget(1 << 20);
    Path dir = folder.newFolder().toPath();
    Path file;
    try (ExchangeWriter out = new ExchangeWriter(config, dir, "t", 1, null)) {
      for (int i = 0; i < 1000; i++) {
        byte[] k = ("key-" + i).getBytes();
        out.add(0, k, 0, k.length, k, 0, k.length);
      }
      file = out.finish().get(0);
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(raf.length() / 2);
      int b = raf.read();
      raf.seek(raf.length() / 2);
      raf.write(b ^ 0x40);
    }
    CorruptSegmentException e =
        assertThrows(
            CorruptSegmentException.class, () -> drain(new ExchangeReader(config, file, null)));
    assertThat(e.getMessage(), containsString(file.toString()));
  }

  /**
   * A writer takes its buffers as it starts, while its thread holds nothing else, and asks the pool
   * for nothing after: its producer's flush must never wait for memory (see above).
   */
  @Test
  public void aWriterTakesAllItsMemoryAsItStarts() throws IOException {
    MemoryPool pool = MemoryPool.ofBytes(256 << 10);
    SpillConfig config = SpillConfig.withPool(pool);
    int partitions = 6;
    try (ExchangeWriter out =
        new ExchangeWriter(config, folder.newFolder().toPath(), "t", partitions, null)) {
      long atStart = pool.used();
      assertEquals(
          partitions
              * SpillPlan.slotBytes(config, ExchangeWriter.writerBlockBytes(config, partitions)),
          atStart);
      assertThat("a quarter of the pool at most", atStart, lessThanOrEqualTo(64L << 10));
      for (int i = 0; i < 10_000; i++) {
        byte[] k = ("key-" + i).getBytes(StandardCharsets.UTF_8);
        out.accept(k, 0, k.length, k, 0, k.length);
      }
      assertEquals(atStart, pool.used());
      out.finish();
    }
    assertEquals(0, pool.used());
  }

  @Test
  public void anExchangeWhoseBuffersPassTheBudgetFailsNamingIt() throws IOException {
    MemoryPool pool = MemoryPool.ofBytes(256 << 10);
    Path dir = folder.newFolder().toPath();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ExchangeWriter(SpillConfig.withPool(pool), dir, "t", 200, null));
    assertThat(e.getMessage(), containsString("an exchange of 200 partitions needs"));
    assertThat(e.getMessage(), containsString("memory budget of 262144 bytes"));
    assertEquals(0, pool.used());
  }

  @Test
  public void anUnfinishedWriterLeavesNoFile() throws IOException {
    MemoryPool pool = MemoryPool.ofBytes(1 << 20);
    Path dir = folder.newFolder().toPath();
    try (ExchangeWriter out = new ExchangeWriter(SpillConfig.withPool(pool), dir, "t", 4, null)) {
      for (int i = 0; i < 1000; i++) {
        byte[] k = ("key-" + i).getBytes();
        out.accept(k, 0, k.length, k, 0, k.length);
      }
      assertThat(pool.used(), greaterThan(0L));
    }
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(0, left.count());
    }
    assertEquals(0, pool.used());
  }

  private static void drain(ExchangeReader in) {
    try (in) {
      while (in.next()) {
        // reading is the check
      }
    }
  }
}
