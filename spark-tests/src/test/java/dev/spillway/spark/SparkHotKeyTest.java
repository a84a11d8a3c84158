package dev.spillway.spark;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import dev.spillway.transforms.HotKeyRecords;
import dev.spillway.transforms.HotKeyRecords.Generate;
import dev.spillway.transforms.HotKeyRecords.HotKey;
import dev.spillway.transforms.HotKeyRecords.Stamp;
import dev.spillway.transforms.HotKeyRecords.TwoPasses;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingGroupByKey;
import java.io.File;
import java.util.List;
import org.apache.beam.runners.spark.SparkPipelineOptions;
import org.apache.beam.runners.spark.SparkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
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
 * A hot key larger than the heap, in the global window, in one session and in a window with a
 * closing pane, on Beam's Spark runner ({@code local[2]}, in the test's JVM of 2 GB): the records
 * of {@link dev.spillway.transforms.HotKeyRecords}, 90% of them on one key, each key's records at
 * one timestamp in {@code Sessions} of an hour's gap, grouped and read twice by {@code thenProcess}
 * at a 64 MiB budget and checked against a model. Spark streams a group out of its sorted shuffle
 * only for non-merging windows stamped at their end; sessions cross spillway's shuffle so stamped
 * on Spark. Not part of CI (minutes); run with {@code mvn -pl spark-tests test
 * -Dtest=SparkHotKeyTest -Dhotkey.records=23000000}.
 */
public class SparkHotKeyTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** The hot key in the global window. */
  @Test
  public void aHotKeyLargerThanTheHeapIsReadTwice() throws Exception {
    readTwice("global window", null);
  }

  @Test
  public void aHotKeyInOneSessionLargerThanTheHeapIsReadTwice() throws Exception {
    readTwice("sessions", Window.into(Sessions.withGapDuration(Duration.standardHours(1))));
  }

  /**
   * The hot key in a window with a closing pane ({@link HotKeyRecords#windowWithAClosingPane};
   * {@code -Dhotkey.timestampCombiner=EARLIEST} or {@code LATEST} for outputs at their inputs'
   * time).
   */
  @Test
  public void aHotKeyInAWindowWithAClosingPaneLargerThanTheHeapIsReadTwice() throws Exception {
    readTwice("a window with a closing pane", HotKeyRecords.windowWithAClosingPane());
  }

  /**
   * Reads the hot key twice: in the global window if {@code windowing} is null, else with each
   * record at a time of its key's ({@link Stamp}) in {@code windowing}.
   */
  private void readTwice(String label, Window<KV<Integer, byte[]>> windowing) throws Exception {
    String size = System.getProperty("hotkey.records");
    assumeTrue("set -Dhotkey.records=N to run", size != null);
    long records = Long.parseLong(size);
    HotKey hot = HotKey.of(records);
    File spill = tmp.newFolder();
    SparkPipelineOptions options = PipelineOptionsFactory.as(SparkPipelineOptions.class);
    options.setRunner(SparkRunner.class);
    options.setSparkMaster("local[2]");
    options.setEnableSparkMetricSinks(false);
    Pipeline p = Pipeline.create(options);
    PCollection<KV<Integer, byte[]>> input =
        p.apply(GenerateSequence.from(0).to(records))
            .apply(ParDo.of(new Generate()))
            .setCoder(KvCoder.of(VarIntCoder.of(), ByteArrayCoder.of()));
    if (windowing != null) {
      input = input.apply(ParDo.of(new Stamp())).apply(windowing);
    }
    PCollection<String> processed =
        input.apply(
            SpillingGroupByKey.<Integer, byte[]>create()
                .withOptions(
                    SpillOptions.create()
                        .withMemoryBudgetBytes(64L << 20)
                        .withSpillDirectories(List.of(spill.toString())))
                .thenProcess(new TwoPasses()));
    PAssert.that(processed).containsInAnyOrder(hot.line());
    long start = System.nanoTime();
    p.run().waitUntilFinish();
    System.out.printf(
        "HOTKEY spark %s: %d records, hot key %d values (%d encoded bytes), heap %d MiB, %d s%n",
        label,
        records,
        hot.count(),
        hot.encodedBytes(),
        Runtime.getRuntime().maxMemory() >> 20,
        (System.nanoTime() - start) / 1_000_000_000L);
    assertEquals("spill files left", 0, spill.list().length);
  }
}
