package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
    Map<ByteBuffer, Long> out = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      try (ExternalMerger<Long, long[]> merger = new ExternalMerger<>(SUM, LongSum.CODEC, config)) {
        for (Path file : byPartition.get(p)) {
          try (ExchangeReader in = new ExchangeReader(config, file, key)) {
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
        }
        try (CombineCursor<long[]> cursor = merger.finish()) {
          while (cursor.next()) {
            ByteBuffer k = Keys.wrap(cursor.keyArray(), cursor.keyOffset(), cursor.keyLength());
            assertEquals("key returned twice", null, out.put(k, cursor.accumulator()[0]));
          }
        }
      }
    }
    ModelAssert.assertSameMap(model, out);
    assertEquals("the pool is whole again", 0, pool.used());
    try (Stream<Path> left = Files.list(dir)) {
      assertTrue("no file in progress", left.noneMatch(f -> f.toString().endsWith(".inprogress")));
    }
    return out;
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
