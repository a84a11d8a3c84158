package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.spillway.transforms.SpillingGroupByKey.PartialGroupFn;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Test;

/**
 * The group-by's partial step packs each element as it comes: the blocks it emits while elements
 * come and at the bundle's end carry every element once, each block in its records' window, at
 * their earliest timestamp, in the shard of their keys; and a bundle that failed leaves nothing in
 * the next.
 */
public class PartialGroupFnTest {
  private static final int SHARDS = 4;
  private static final IntervalWindow FIRST = new IntervalWindow(new Instant(0), new Instant(100));
  private static final IntervalWindow SECOND =
      new IntervalWindow(new Instant(100), new Instant(200));

  /** One emitted block: what crossed the shuffle and how. */
  private record Emitted(KV<Integer, byte[]> element, Instant timestamp, BoundedWindow window) {}

  /** One element, as the test sent it or as the blocks give it back. */
  private record Sent(BoundedWindow window, String key, String value, long millis) {}

  @Test
  public void everyElementLeavesOnceInItsWindowShardAndTime() {
    PartialGroupFn<String, String> fn = newFn();
    List<Emitted> emitted = new ArrayList<>();
    fn.setup();
    fn.startBundle(PipelineOptionsFactory.create());
    Random random = new Random(3);
    List<Sent> sent = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      IntervalWindow window = random.nextBoolean() ? FIRST : SECOND;
      long millis = window.start().getMillis() + random.nextInt(100);
      // 1 KiB values: a shard's block of 256 KiB fills while elements come.
      String value = i + "-" + "v".repeat(1_000);
      Sent s = new Sent(window, "k" + random.nextInt(20), value, millis);
      sent.add(s);
      process(fn, s, emitted);
    }
    long beforeTheEnd = emitted.size();
    fn.finishBundle(finishing(fn, emitted));

    assertTrue("blocks emitted while elements came: " + beforeTheEnd, beforeTheEnd > 0);
    assertTrue("blocks emitted at the bundle's end", emitted.size() > beforeTheEnd);
    List<Sent> received = new ArrayList<>();
    for (Emitted e : emitted) {
      List<Sent> records = recordsOf(fn, e);
      long earliest = records.stream().mapToLong(Sent::millis).min().orElseThrow();
      assertEquals(
          "a block's timestamp is its records' earliest", earliest, e.timestamp.getMillis());
      for (Sent r : records) {
        assertEquals("a record's window is its block's", e.window, r.window);
        byte[] key = fn.keys().encode(r.window, r.key).toByteArray();
        assertEquals(
            "a record's shard is its block's",
            (int) e.element.getKey(),
            fn.keys().shardOf(key, 0, key.length, SHARDS));
      }
      received.addAll(records);
    }
    PipelineAsserts.assertSameElementsIn("records", received, sent);
    fn.teardown();
  }

  @Test
  public void aBundleThatFailedLeavesNothingInTheNext() {
    PartialGroupFn<String, String> fn = newFn();
    List<Emitted> emitted = new ArrayList<>();
    fn.setup();
    fn.startBundle(PipelineOptionsFactory.create());
    for (int i = 0; i < 10; i++) {
      process(fn, new Sent(FIRST, "k" + i, "failed" + i, 5), emitted);
    }
    // The bundle fails: no finishBundle; the runner retries on the same DoFn.
    fn.startBundle(PipelineOptionsFactory.create());
    Sent retried = new Sent(FIRST, "k", "retried", 7);
    process(fn, retried, emitted);
    fn.finishBundle(finishing(fn, emitted));

    List<Sent> received = new ArrayList<>();
    emitted.forEach(e -> received.addAll(recordsOf(fn, e)));
    assertEquals(List.of(retried), received);
    fn.teardown();
  }

  private static PartialGroupFn<String, String> newFn() {
    WindowingStrategy<?, ?> strategy =
        WindowingStrategy.of(FixedWindows.of(Duration.millis(100)))
            .withTimestampCombiner(TimestampCombiner.EARLIEST);
    return new PartialGroupFn<>(
        KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()),
        Windowing.of("PartialGroupFnTest", strategy, RunnerGrouping.GATHERED),
        SpillOptions.create().withShards(SHARDS));
  }

  private static void process(PartialGroupFn<String, String> fn, Sent s, List<Emitted> emitted) {
    fn.processElement(
        KV.of(s.key, s.value),
        s.window,
        new Instant(s.millis),
        new DoFn.OutputReceiver<>() {
          @Override
          public void output(KV<Integer, byte[]> output) {
            throw new AssertionError("a block needs its window and timestamp");
          }

          @Override
          public void outputWithTimestamp(KV<Integer, byte[]> output, Instant timestamp) {
            throw new AssertionError("a block needs its window");
          }

          @Override
          public void outputWindowedValue(
              KV<Integer, byte[]> output,
              Instant timestamp,
              Collection<? extends BoundedWindow> windows,
              PaneInfo pane) {
            assertEquals(1, windows.size());
            assertEquals(PaneInfo.NO_FIRING, pane);
            emitted.add(new Emitted(output, timestamp, windows.iterator().next()));
          }
        });
  }

  private static DoFn<KV<String, String>, KV<Integer, byte[]>>.FinishBundleContext finishing(
      PartialGroupFn<String, String> fn, List<Emitted> emitted) {
    return fn.new FinishBundleContext() {
      @Override
      public PipelineOptions getPipelineOptions() {
        return PipelineOptionsFactory.create();
      }

      @Override
      public void output(KV<Integer, byte[]> output, Instant timestamp, BoundedWindow window) {
        emitted.add(new Emitted(output, timestamp, window));
      }

      @Override
      public <T> void output(TupleTag<T> tag, T output, Instant timestamp, BoundedWindow window) {
        throw new AssertionError("no tagged outputs");
      }
    };
  }

  /** The records of an emitted block, decoded: engine key, then timestamp and value. */
  private static List<Sent> recordsOf(PartialGroupFn<String, String> fn, Emitted e) {
    CoderCodec<String> values = new CoderCodec<>(StringUtf8Coder.of());
    List<Sent> out = new ArrayList<>();
    ShardPacker.forEachRecord(
        e.element.getValue(),
        (k, kOff, kLen, v, vOff, vLen) -> {
          EngineKey.Decoded<String> key = fn.keys().decode(k, kOff, kLen);
          long millis = Stamped.readTimestamp(v, vOff);
          String value =
              values.decode(v, vOff + Stamped.TIMESTAMP_BYTES, vLen - Stamped.TIMESTAMP_BYTES);
          out.add(new Sent(key.window(), key.key(), value, millis));
        });
    return out;
  }
}
