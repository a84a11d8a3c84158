package dev.spillway.runners;

import static dev.spillway.transforms.HotKeyRecords.VALUE_BYTES;
import static dev.spillway.transforms.HotKeyRecords.checksumOf;
import static dev.spillway.transforms.HotKeyRecords.keyOf;
import static dev.spillway.transforms.HotKeyRecords.valueOf;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertThrows;
import static org.junit.Assume.assumeTrue;

import dev.spillway.spill.KeyHasher;
import dev.spillway.transforms.GroupProcessor;
import dev.spillway.transforms.HotKeyRecords;
import dev.spillway.transforms.HotKeyRecords.Generate;
import dev.spillway.transforms.HotKeyRecords.HotKey;
import dev.spillway.transforms.HotKeyRecords.Stamp;
import dev.spillway.transforms.HotKeyRecords.TwoPasses;
import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingGroupByKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A hot key larger than a TaskManager's heap on a real Flink session cluster (two TaskManagers of
 * 700 MB heap): 90% of {@code hotkey.records} records of about 100 bytes on one key, grouped and
 * read twice by the streaming form, checked against a model; then Beam's built-in GroupByKey on the
 * same input, read twice, which fails. The same hot key as one session, in a window with a closing
 * pane, and the sorted form, are tests of their own. Not part of CI (minutes at full size); run
 * with {@code mvn -pl runner-tests test -Dtest=HotKeyOnClusterTest -Dhotkey.records=22000000},
 * adding {@code -Dhotkey.dataStream=true} for Flink's DataStream translation of batch (there the
 * built-in's TaskManager runs out of heap: BENCHMARKS.md). A failing run prints the end of each
 * cluster process's output.
 */
public class HotKeyOnClusterTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final class TwoPassesOfBuiltIn extends DoFn<KV<Integer, Iterable<byte[]>>, String> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<byte[]>> group, OutputReceiver<String> out) {
      long n = 0;
      for (byte[] ignored : group.getValue()) {
        n++;
      }
      long sum = 0;
      for (byte[] v : group.getValue()) {
        sum += checksumOf(v);
      }
      out.output(group.getKey() + " " + n + " " + sum);
    }
  }

  /** A nonnegative secondary key of record {@code i}, by which the sorted form orders values. */
  static long timeOf(long i) {
    return KeyHasher.mix64(i ^ 0x5DEECE66DL) >>> 1;
  }

  static final class GeneratePairs extends DoFn<Long, KV<Integer, KV<Long, byte[]>>> {
    @ProcessElement
    public void process(@Element Long i, OutputReceiver<KV<Integer, KV<Long, byte[]>>> out) {
      out.output(KV.of(keyOf(i), KV.of(timeOf(i), valueOf(i))));
    }
  }

  /**
   * "key count orderChecksum valueSum": each pass checks that the values come sorted by their keys;
   * the order checksum runs over the keys in the order they came (ties cannot change it).
   */
  static final class TwoSortedPasses extends GroupProcessor<Integer, KV<Long, byte[]>, String> {
    @Override
    public void process(Integer key, Iterable<KV<Long, byte[]>> values, Context<String> c) {
      long[] first = pass(values);
      long[] second = pass(values);
      if (first[0] != second[0] || first[1] != second[1] || first[2] != second[2]) {
        throw new AssertionError("two passes over key " + key + " differ");
      }
      if (key == 0) {
        c.output(key + " " + first[0] + " " + first[1] + " " + first[2]);
      }
    }

    private static long[] pass(Iterable<KV<Long, byte[]>> values) {
      long n = 0;
      long order = 0;
      long sum = 0;
      long previous = Long.MIN_VALUE;
      for (KV<Long, byte[]> v : values) {
        if (v.getKey() < previous) {
          throw new AssertionError("out of order: " + v.getKey() + " after " + previous);
        }
        previous = v.getKey();
        n++;
        order = order * 31 + v.getKey();
        sum += checksumOf(v.getValue());
      }
      return new long[] {n, order, sum};
    }
  }

  @Test
  public void aHotKeyLargerThanATaskManagersHeapComesSortedAndIsReadTwice() throws Exception {
    long records = recordsToRun();
    HotKey hot = HotKey.of(records);
    long[] times = new long[(int) hot.count()];
    int t = 0;
    for (long i = 0; i < records; i++) {
      if (keyOf(i) == 0) {
        times[t++] = timeOf(i);
      }
    }
    java.util.Arrays.sort(times);
    long order = 0;
    for (long time : times) {
      order = order * 31 + time;
    }
    times = null;
    Path spill = tmp.newFolder("spill").toPath();
    try (FlinkSessionCluster cluster =
        FlinkSessionCluster.start(tmp.newFolder("flink").toPath(), 572)) {
      Pipeline p = Pipeline.create(options(cluster));
      PipelineAsserts.assertSameElements(
          p.apply(GenerateSequence.from(0).to(records))
              .apply(ParDo.of(new GeneratePairs()))
              .setCoder(
                  KvCoder.of(
                      VarIntCoder.of(), KvCoder.of(BigEndianLongCoder.of(), ByteArrayCoder.of())))
              .apply(
                  SpillingGroupByKey.<Integer, KV<Long, byte[]>>create()
                      .withOptions(PipelineSupport.smallBudget(spill, 64L << 20))
                      .thenProcessSorted(new TwoSortedPasses())),
          List.of("0 " + hot.count() + " " + order + " " + hot.checksum()));
      long start = System.nanoTime();
      PipelineResult result = p.run();
      result.waitUntilFinish();
      report(
          "sorted spillway",
          result,
          records,
          hot,
          hot.count() * (VALUE_BYTES + 1 + 8),
          (System.nanoTime() - start) / 1_000_000_000L);
      PipelineAsserts.awaitEmpty(spill, 30_000);
    }
  }

  /**
   * The cluster's options, on Flink's DataStream translation of batch with {@code
   * -Dhotkey.dataStream=true} (the DataSet one without).
   */
  private static FlinkPipelineOptions options(FlinkSessionCluster cluster) throws IOException {
    FlinkPipelineOptions options = cluster.options();
    options.setUseDataStreamForBatch(Boolean.getBoolean("hotkey.dataStream"));
    return options;
  }

  /** {@code -Dhotkey.records}; the test is skipped without it. */
  private static long recordsToRun() {
    String size = System.getProperty("hotkey.records");
    assumeTrue("set -Dhotkey.records=N to run", size != null);
    return Long.parseLong(size);
  }

  /**
   * Groups {@code input} with the streaming form, reads each key twice, checks the hot key against
   * the model, and prints what the run took.
   */
  private static void readTwice(
      String label,
      PCollection<KV<Integer, byte[]>> input,
      long records,
      HotKey hot,
      SpillOptions options) {
    Pipeline p = input.getPipeline();
    PipelineAsserts.assertSameElements(
        input.apply(
            SpillingGroupByKey.<Integer, byte[]>create()
                .withOptions(options)
                .thenProcess(new TwoPasses())),
        List.of(hot.line()));
    long start = System.nanoTime();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    report(
        label,
        result,
        records,
        hot,
        hot.encodedBytes(),
        (System.nanoTime() - start) / 1_000_000_000L);
  }

  /** Prints what a run took, for BENCHMARKS.md. */
  private static void report(
      String label,
      PipelineResult result,
      long records,
      HotKey hot,
      long encodedBytes,
      long seconds) {
    Map<String, Long> report = new TreeMap<>();
    report.put("records", records);
    report.put("hotKeyValues", hot.count());
    report.put("hotKeyEncodedBytes", encodedBytes);
    report.put("seconds", seconds);
    report.put("spills", SpillMetrics.total(result, SpillMetrics.SPILL_COUNT));
    report.put("diskBytesSpilled", SpillMetrics.total(result, SpillMetrics.DISK_BYTES_SPILLED));
    report.put("shuffleFileBytes", SpillMetrics.total(result, SpillMetrics.SHUFFLE_FILE_BYTES));
    System.out.println("HOTKEY " + label + " " + report);
  }

  private static PCollection<KV<Integer, byte[]>> input(Pipeline p, long records) {
    return p.apply(GenerateSequence.from(0).to(records))
        .apply(ParDo.of(new Generate()))
        .setCoder(KvCoder.of(VarIntCoder.of(), ByteArrayCoder.of()));
  }

  /**
   * The hot key of {@link #aHotKeyLargerThanATaskManagersHeapIsReadTwice} in {@code Sessions}: each
   * key's records in one session, merged and processed by the sessions' form.
   */
  @Test
  public void aHotKeyInOneSessionLargerThanATaskManagersHeapIsReadTwice() throws Exception {
    readTwiceStampedIn(
        "spillway in sessions", Window.into(Sessions.withGapDuration(Duration.standardHours(1))));
  }

  /**
   * The hot key of {@link #aHotKeyLargerThanATaskManagersHeapIsReadTwice} in one fixed window that
   * fires a closing pane ({@link HotKeyRecords#windowWithAClosingPane}; {@code
   * -Dhotkey.timestampCombiner=EARLIEST} or {@code LATEST} for outputs at their inputs' time).
   */
  @Test
  public void aHotKeyInAWindowWithAClosingPaneLargerThanATaskManagersHeapIsReadTwice()
      throws Exception {
    readTwiceStampedIn(
        "spillway in a window with a closing pane", HotKeyRecords.windowWithAClosingPane());
  }

  /**
   * The hot key's records, each at a time of its key's ({@link Stamp}), in {@code windowing}, read
   * twice on a fresh cluster ({@link #readTwiceOn}).
   */
  private void readTwiceStampedIn(String label, Window<KV<Integer, byte[]>> windowing)
      throws Exception {
    long records = recordsToRun();
    HotKey hot = HotKey.of(records);
    Path spill = tmp.newFolder("spill").toPath();
    try (FlinkSessionCluster cluster =
        FlinkSessionCluster.start(tmp.newFolder("flink").toPath(), 572)) {
      Pipeline p = Pipeline.create(options(cluster));
      readTwiceOn(
          cluster,
          label,
          input(p, records).apply(ParDo.of(new Stamp())).apply(windowing),
          records,
          hot,
          spill);
    }
  }

  /**
   * {@link #readTwice} on {@code cluster} at a 64 MiB budget, printing the end of the cluster's
   * process output if it fails; then waits for the spill directory to empty.
   */
  private static void readTwiceOn(
      FlinkSessionCluster cluster,
      String label,
      PCollection<KV<Integer, byte[]>> input,
      long records,
      HotKey hot,
      Path spill)
      throws Exception {
    try {
      readTwice(label, input, records, hot, PipelineSupport.smallBudget(spill, 64L << 20));
    } catch (RuntimeException | AssertionError e) {
      System.out.println("HOTKEY " + label + " failed; the cluster said:\n" + cluster.logTails(20));
      throw e;
    }
    PipelineAsserts.awaitEmpty(spill, 30_000);
  }

  @Test
  public void aHotKeyLargerThanATaskManagersHeapIsReadTwice() throws Exception {
    long records = recordsToRun();
    HotKey hot = HotKey.of(records);
    Path spill = tmp.newFolder("spill").toPath();
    try (FlinkSessionCluster cluster =
        FlinkSessionCluster.start(tmp.newFolder("flink").toPath(), 572)) {
      readTwiceOn(
          cluster,
          "spillway",
          input(Pipeline.create(options(cluster)), records),
          records,
          hot,
          spill);

      Pipeline builtIn = Pipeline.create(options(cluster));
      input(builtIn, records).apply(GroupByKey.create()).apply(ParDo.of(new TwoPassesOfBuiltIn()));
      long builtInStart = System.nanoTime();
      RuntimeException failure =
          assertThrows(RuntimeException.class, () -> builtIn.run().waitUntilFinish());
      StringBuilder causes = new StringBuilder();
      for (Throwable t = failure; t != null; t = t.getCause()) {
        causes.append(t).append('\n');
      }
      System.out.println(
          "HOTKEY built-in failed after "
              + (System.nanoTime() - builtInStart) / 1_000_000_000L
              + " s: "
              + causes);
      if (Boolean.getBoolean("hotkey.dataStream")) {
        // The DataStream translation gathers the group in keyed state: its TaskManager dies.
        assertThat(cluster.logTails(5), containsString("OutOfMemoryError"));
      } else {
        assertThat(causes.toString(), containsString("not re-iterable"));
      }
    }
  }

  /**
   * The same hot key on the DirectRunner, in this JVM: {@code -Dtest.heap=1g
   * -Dhotkey.direct.records=6000000} (a hot key of half the heap). The shuffle is given by {@code
   * -Dhotkey.shuffle} (AUTO: through files here); the DirectRunner's own checks that copy every
   * element ({@code --enforceImmutability}, {@code --enforceEncodability}) are off, as they double
   * what its bundles hold.
   */
  @Test
  public void aHotKeyOfHalfTheHeapIsReadTwiceOnTheDirectRunner() throws Exception {
    String size = System.getProperty("hotkey.direct.records");
    assumeTrue("set -Dhotkey.direct.records=N to run", size != null);
    long records = Long.parseLong(size);
    HotKey hot = HotKey.of(records);
    Path spill = tmp.newFolder("spill").toPath();
    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setEnforceImmutability(false);
    options.setEnforceEncodability(false);
    readTwice(
        "spillway on the DirectRunner, heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB",
        input(Pipeline.create(options), records),
        records,
        hot,
        PipelineSupport.smallBudget(spill, 64L << 20)
            .withShuffle(
                SpillOptions.Shuffle.valueOf(System.getProperty("hotkey.shuffle", "AUTO"))));
    PipelineAsserts.assertEmpty(spill);
  }
}
