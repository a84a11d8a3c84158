package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Micro benchmarks of the engine's hot paths: hashing, table inserts, segment write and read, and
 * the k-way merge. In the engine's package, to reach its package-private parts. Run with {@code
 * java -cp benchmarks/target/spillway-benchmarks.jar org.openjdk.jmh.Main EngineBenchmarks}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineBenchmarks {
  private static final int RECORDS = 1 << 16;

  /** Random 8-byte keys and values, and an engine's resources with a large budget. */
  @State(Scope.Thread)
  public static class Data {
    @Param({"16384", "1048576"})
    public int keySpace;

    byte[][] keys;
    byte[] value = new byte[8];
    Path dir;
    EngineResources resources;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Random random = new Random(42);
      keys = new byte[RECORDS][];
      for (int i = 0; i < RECORDS; i++) {
        keys[i] = OrderedBytes.encodeLong(random.nextInt(keySpace));
      }
      dir = Files.createTempDirectory("spillway-jmh");
      resources =
          new EngineResources(
              SpillConfig.withBudget(512L << 20).withSpillDirectories(List.of(dir)));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      resources.close();
      Files.delete(dir);
    }
  }

  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void hash8ByteKeys(Data d, Blackhole bh) {
    for (byte[] k : d.keys) {
      bh.consume(KeyHasher.DEFAULT.hash(k, 0, 8, 7));
    }
  }

  /** Inserts into a table of {@code keySpace} keys: cache-resident or not. */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void tableFindOrInsert(Data d, Blackhole bh) {
    CombineTable<Long, long[]> table = tableOf(d);
    for (byte[] k : d.keys) {
      bh.consume(table.addInput(k, 0, 8, 1L));
    }
    table.shrink(0);
  }

  private static CombineTable<Long, long[]> tableOf(Data d) {
    CombineTable<Long, long[]> table =
        new CombineTable<>(new LongSum(), LongSum.CODEC, d.resources);
    table.reset(0);
    return table;
  }

  /** The frame format of the segment benchmark: a codec, and AES-GCM or not. */
  @State(Scope.Thread)
  public static class Codec {
    @Param({"SNAPPY", "LZ4", "NONE", "SNAPPY_AES", "LZ4_AES", "NONE_AES"})
    public String format;

    CompressionCodec codec;
    FrameCipher cipher;

    @Setup(Level.Trial)
    public void setUp() {
      codec = CompressionCodec.valueOf(format.replace("_AES", ""));
      cipher = format.endsWith("_AES") ? new FrameCipher() : null;
    }
  }

  /** Writes a segment of 8-byte keys and values and reads it back. */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void segmentWriteAndRead(Data d, Codec c, Blackhole bh) {
    SpillFileWriter file = d.resources.newFile("jmh");
    IoBuffers.Slot slot = d.resources.buffers.acquire();
    SegmentLocation location;
    try {
      SegmentWriter w =
          new SegmentWriter(
              file,
              c.codec,
              c.cipher,
              slot,
              d.resources.plan.blockBytes(),
              Layout.LAYOUT_KEY_VALUE,
              Order.ORDER_NONE);
      for (byte[] k : d.keys) {
        w.append(k, 0, 8, d.value, 0, 8);
      }
      location = w.finish();
    } finally {
      file.close();
      d.resources.buffers.release(slot);
    }
    try (SegmentReader r = new SegmentReader(location, d.resources.buffers, c.cipher)) {
      while (r.next()) {
        bh.consume(r.keyArray()[r.keyOffset()]);
      }
    }
    d.resources.deleteFile(location.file());
  }

  /** {@code fanIn} sorted in-memory runs of the records, made once per trial. */
  @State(Scope.Thread)
  public static class SortedRuns {
    @Param({"16", "64"})
    public int fanIn;

    List<SortBuffer> buffers;

    @Setup(Level.Trial)
    public void setUp(Data d) {
      buffers = new ArrayList<>();
      for (int r = 0; r < fanIn; r++) {
        SortBuffer b = new SortBuffer(d.resources);
        for (int i = r; i < RECORDS; i += fanIn) {
          b.add(d.keys[i], 0, 8, d.value, 0, 8);
        }
        b.sort();
        buffers.add(b);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      buffers.forEach(SortBuffer::release);
    }
  }

  /** The k-way merge alone: {@code fanIn} sorted runs merged into one stream. */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void mergeSortedRuns(SortedRuns runs, Blackhole bh) {
    List<RecordCursor> cursors = new ArrayList<>();
    for (SortBuffer b : runs.buffers) {
      cursors.add(b.cursor());
    }
    MergingCursor merge = new MergingCursor(cursors);
    while (merge.next()) {
      bh.consume(merge.keyLength());
    }
  }

  /** Fills and radix-sorts 16 in-memory runs, then merges them through the heap. */
  @Benchmark
  @OperationsPerInvocation(RECORDS)
  public void sortSixteenRunsAndMerge(Data d, Blackhole bh) {
    List<SortBuffer> buffers = new ArrayList<>();
    List<RecordCursor> runs = new ArrayList<>();
    for (int r = 0; r < 16; r++) {
      SortBuffer b = new SortBuffer(d.resources);
      for (int i = r; i < RECORDS; i += 16) {
        b.add(d.keys[i], 0, 8, d.value, 0, 8);
      }
      b.sort();
      buffers.add(b);
      runs.add(b.cursor());
    }
    MergingCursor merge = new MergingCursor(runs);
    while (merge.next()) {
      bh.consume(merge.keyLength());
    }
    buffers.forEach(SortBuffer::release);
  }
}
