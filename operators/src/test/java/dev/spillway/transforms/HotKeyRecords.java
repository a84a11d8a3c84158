package dev.spillway.transforms;

import dev.spillway.spill.KeyHasher;
import java.util.Arrays;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The records of the hot-key runs (on a Flink cluster, the DirectRunner and Spark): record {@code
 * i} has a 96-byte value of its own and a key that is 0 (the hot key) for 90% of records, else one
 * of 100,000 others; what the hot key's values add up to is computed beside the pipeline.
 */
public final class HotKeyRecords {
  public static final int VALUE_BYTES = 96;

  private HotKeyRecords() {}

  public static int keyOf(long i) {
    long h = KeyHasher.mix64(i * 0x9E3779B97F4A7C15L);
    return Math.floorMod(h, 10) == 0 ? 1 + (int) Math.floorMod(h >>> 8, 100_000L) : 0;
  }

  public static byte[] valueOf(long i) {
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

  /** The order-free checksum of a value: what a key's values add up to. */
  public static long checksumOf(byte[] v) {
    return KeyHasher.mix64(Arrays.hashCode(v));
  }

  /** The hot key's value count and order-free checksum among the first {@code records}. */
  public record HotKey(long count, long checksum) {
    public static HotKey of(long records) {
      long count = 0;
      long checksum = 0;
      for (long i = 0; i < records; i++) {
        if (keyOf(i) == 0) {
          count++;
          checksum += checksumOf(valueOf(i));
        }
      }
      return new HotKey(count, checksum);
    }

    /** The hot key's values' encoded bytes, each with the length its coder writes. */
    public long encodedBytes() {
      return count * (VALUE_BYTES + 1);
    }

    /** What {@link TwoPasses} outputs for the hot key. */
    public String line() {
      return "0 " + count + " " + checksum;
    }
  }

  /** Record {@code i}. */
  public static final class Generate extends DoFn<Long, KV<Integer, byte[]>> {
    @ProcessElement
    public void process(@Element Long i, OutputReceiver<KV<Integer, byte[]>> out) {
      out.output(KV.of(keyOf(i), valueOf(i)));
    }
  }

  /** Each record at a time of its key's: a key's records form one session of any gap. */
  public static final class Stamp extends DoFn<KV<Integer, byte[]>, KV<Integer, byte[]>> {
    @ProcessElement
    public void process(
        @Element KV<Integer, byte[]> record, OutputReceiver<KV<Integer, byte[]>> out) {
      out.outputWithTimestamp(record, new Instant(KeyHasher.mix64(record.getKey()) & 0xFFFF));
    }
  }

  /**
   * One fixed window of a day (every {@link Stamp}ed record's) that fires a closing pane ({@code
   * FIRE_ALWAYS} with a minute of allowed lateness, discarding), with outputs at the time {@code
   * -Dhotkey.timestampCombiner} gives (the window's end unless EARLIEST or LATEST): a shuffle that
   * accumulates, so that its closing pane can repeat a shard's blocks.
   */
  public static Window<KV<Integer, byte[]>> windowWithAClosingPane() {
    return Window.<KV<Integer, byte[]>>into(FixedWindows.of(Duration.standardDays(1)))
        .withAllowedLateness(Duration.standardMinutes(1), Window.ClosingBehavior.FIRE_ALWAYS)
        .discardingFiredPanes()
        .withTimestampCombiner(
            TimestampCombiner.valueOf(
                System.getProperty("hotkey.timestampCombiner", "END_OF_WINDOW")));
  }

  /** "key count checksum" of the hot key, each from its own pass over the values. */
  public static final class TwoPasses extends GroupProcessor<Integer, byte[], String> {
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
}
