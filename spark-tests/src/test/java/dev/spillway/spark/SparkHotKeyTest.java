package dev.spillway.spark;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;

import dev.spillway.spill.KeyHasher;
import dev.spillway.transforms.GroupProcessor;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingGroupByKey;
import java.io.File;
import java.util.Arrays;
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
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A hot key larger than the heap, in one session, on Beam's Spark runner ({@code local[2]}, in the
 * test's JVM of 2 GB): 90% of {@code hotkey.records} records of 96-byte values on one key, each
 * key's records at one timestamp in {@code Sessions} of an hour's gap, grouped and read twice by
 * {@code thenProcess} at a 64 MiB budget and checked against a model. Spark streams a group out of
 * its sorted shuffle only for non-merging windows stamped at their end; sessions cross spillway's
 * shuffle so stamped on Spark. Not part of CI (minutes); run with {@code mvn -pl spark-tests test
 * -Dtest=SparkHotKeyTest -Dhotkey.records=23000000}.
 */
public class SparkHotKeyTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final int VALUE_BYTES = 96;

  static int keyOf(long i) {
    long h = KeyHasher.mix64(i * 0x9E3779B97F4A7C15L);
    return Math.floorMod(h, 10) == 0 ? 1 + (int) Math.floorMod(h >>> 8, 100_000L) : 0;
  }

  static byte[] valueOf(long i) {
    byte[] v = new byte[VALUE_BYTES];
    long x = i;
    for (int j = 0; j < v.length; j += 8) {
      x = KeyHasher.mix64(x + j);
      for (int b = 0; b < 8; b++) {
        v[j + b] = (byte) (x >>> (8 * b));
      }
    }
    return v;
  }

  static long checksumOf(byte[] v) {
    return KeyHasher.mix64(Arrays.hashCode(v));
  }

  /** Record {@code i}, at a time of its key's: each key's records are one session. */
  static final class Generate extends DoFn<Long, KV<Integer, byte[]>> {
    @ProcessElement
    public void process(@Element Long i, OutputReceiver<KV<Integer, byte[]>> out) {
      int key = keyOf(i);
      out.outputWithTimestamp(KV.of(key, valueOf(i)), new Instant(KeyHasher.mix64(key) & 0xFFFF));
    }
  }

  /** "key count checksum" of the hot key, each from its own pass over the values. */
  static final class TwoPasses extends GroupProcessor<Integer, byte[], String> {
    @Override
    public void process(Integer key, Iterable<byte[]> values, Context<String> c) {
      long n = 0;
      for (byte[] ignored : values) {
        n++;
      }
      long sum = 0;
      for (byte[] v : values) {
        sum += checksumOf(v);
      }
      if (key == 0) {
        c.output(key + " " + n + " " + sum);
      }
    }
  }

  @Test
  public void aHotKeyInOneSessionLargerThanTheHeapIsReadTwice() throws Exception {
    String size = System.getProperty("hotkey.records");
    assumeTrue("set -Dhotkey.records=N to run", size != null);
    long records = Long.parseLong(size);
    long count = 0;
    long checksum = 0;
    for (long i = 0; i < records; i++) {
      if (keyOf(i) == 0) {
        count++;
        checksum += checksumOf(valueOf(i));
      }
    }
    File spill = tmp.newFolder();
    SparkPipelineOptions options = PipelineOptionsFactory.as(SparkPipelineOptions.class);
    options.setRunner(SparkRunner.class);
    options.setSparkMaster("local[2]");
    options.setEnableSparkMetricSinks(false);
    Pipeline p = Pipeline.create(options);
    PCollection<String> hot =
        p.apply(GenerateSequence.from(0).to(records))
            .apply(ParDo.of(new Generate()))
            .setCoder(KvCoder.of(VarIntCoder.of(), ByteArrayCoder.of()))
            .apply(
                Window.<KV<Integer, byte[]>>into(
                    Sessions.withGapDuration(Duration.standardHours(1))))
            .apply(
                SpillingGroupByKey.<Integer, byte[]>create()
                    .withOptions(
                        SpillOptions.create()
                            .withMemoryBudgetBytes(64L << 20)
                            .withSpillDirectories(List.of(spill.toString())))
                    .thenProcess(new TwoPasses()));
    PAssert.that(hot).containsInAnyOrder("0 " + count + " " + checksum);
    long start = System.nanoTime();
    p.run().waitUntilFinish();
    System.out.printf(
        "HOTKEY spark sessions: %d records, hot key %d values (%d encoded bytes), heap %d MiB, %d s%n",
        records,
        count,
        count * (VALUE_BYTES + 1),
        Runtime.getRuntime().maxMemory() >> 20,
        (System.nanoTime() - start) / 1_000_000_000L);
    assertEquals("spill files left", 0, spill.list().length);
  }
}
