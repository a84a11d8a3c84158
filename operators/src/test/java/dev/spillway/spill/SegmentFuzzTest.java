package dev.spillway.spill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;

/**
 * Seeded fuzzing of the segment reader: random segments and valid ones mutated (flipped bits,
 * overwritten and zeroed ranges, absurd length fields, truncation, inserted bytes), with every
 * codec, with and without encryption. Each read must either return exactly the records written (a
 * mutation outside the segment) or fail with {@link CorruptSegmentException}; it must end (the test
 * has a time limit) and allocate no more than a bound set by the segment's true size, never an
 * absurd length read from the damage.
 */
public class SegmentFuzzTest {
  private static final int CASES = 600;

  @Rule public final SpillDirRule spill = new SpillDirRule();

  private final com.sun.management.ThreadMXBean threads =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test(timeout = 120_000)
  public void mutatedSegmentsFailCleanlyOrReadTrue() throws IOException {
    Random random = new Random(20261130);
    int corrupt = 0;
    int intact = 0;
    for (int c = 0; c < CASES; c++) {
      int codecs = CompressionCodec.values().length;
      CompressionCodec codec = CompressionCodec.values()[c % codecs];
      boolean encrypted = (c / codecs) % 2 == 1;
      try (EngineResources resources =
          new EngineResources(
              spill
                  .config(4 << 20)
                  .withCodec(codec)
                  .withEncryption(encrypted)
                  .withMaxBlockBytes(512 + random.nextInt(4096)))) {
        Layout layout = random.nextBoolean() ? Layout.LAYOUT_KEY_VALUE : Layout.LAYOUT_KEY_VALUES;
        List<String> written = new ArrayList<>();
        SegmentLocation location = write(resources, layout, random, written);
        byte[] bytes = Files.readAllBytes(location.file());
        String mutation = mutate(bytes, (int) location.offset(), (int) location.length(), random);
        Files.write(location.file(), bytes);
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        try {
          List<String> read = SegmentPairs.read(resources, location);
          assertEquals(
              "case " + c + " (" + mutation + "): a read that succeeds is true", written, read);
          intact++;
        } catch (CorruptSegmentException e) {
          assertTrue(e.getMessage(), e.getMessage().contains(location.file().toString()));
          corrupt++;
        } catch (RuntimeException e) {
          throw new AssertionError("case " + c + " (" + mutation + ") failed with " + e, e);
        }
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        long bound = (8L << 20) + 40L * location.length();
        if (allocated > bound) {
          fail(
              "case "
                  + c
                  + " ("
                  + mutation
                  + ") allocated "
                  + allocated
                  + " bytes for a segment"
                  + " of "
                  + location.length());
        }
      }
    }
    assertTrue("most mutations are caught: " + corrupt + " of " + CASES, corrupt > CASES * 0.9);
    assertEquals(CASES, corrupt + intact);
  }

  @Test(timeout = 60_000)
  public void randomBytesAreNeverASegment() throws IOException {
    Random random = new Random(7);
    try (EngineResources resources = new EngineResources(spill.config(4 << 20))) {
      for (int c = 0; c < 300; c++) {
        SpillFileWriter file = resources.newFile("random");
        byte[] junk = new byte[random.nextInt(3000)];
        random.nextBytes(junk);
        if (c % 3 == 0 && junk.length > 0) {
          junk[0] = (byte) Math.min(junk.length - 1, 127); // a plausible header length
        }
        file.write(junk, 0, junk.length);
        file.close();
        SegmentLocation location =
            new SegmentLocation(
                file.path(),
                0,
                junk.length,
                random.nextInt(100),
                random.nextInt(100),
                random.nextInt(10_000));
        try {
          SegmentPairs.read(resources, location);
          fail("random bytes read as a segment, case " + c);
        } catch (CorruptSegmentException expected) {
          // named file and block; nothing else is acceptable
        }
        resources.deleteFile(file.path());
      }
    }
  }

  private static SegmentLocation write(
      EngineResources resources, Layout layout, Random random, List<String> pairs) {
    SpillFileWriter file = resources.newFile("fuzz");
    IoBuffers.Slot slot = resources.buffers.acquire();
    try {
      resources.newSegment(file, slot, layout, Order.ORDER_NONE).finish(); // a non-zero offset
      SegmentWriter w = resources.newSegment(file, slot, layout, Order.ORDER_NONE);
      int records = random.nextInt(300);
      for (int i = 0; i < records; i++) {
        byte[] key = Keys.key(random, 1_000, 20);
        if (layout == Layout.LAYOUT_KEY_VALUE) {
          byte[] value = Keys.value(random, random.nextInt(20) == 0 ? 2_000 : 30);
          w.append(key, 0, key.length, value, 0, value.length);
          pairs.add(Arrays.toString(key) + "=" + Arrays.toString(value));
        } else {
          w.startKey(key, 0, key.length);
          for (int v = random.nextInt(4); v >= 0; v--) {
            byte[] value = Keys.value(random, 40);
            w.appendValue(value, 0, value.length);
            pairs.add(Arrays.toString(key) + "=" + Arrays.toString(value));
          }
        }
      }
      return w.finish();
    } finally {
      file.close();
      resources.buffers.release(slot);
    }
  }

  /** Damages {@code bytes} (the file) somewhere, mostly inside the segment; says how. */
  private static String mutate(byte[] bytes, int offset, int length, Random random) {
    int at = offset + random.nextInt(Math.max(1, length));
    switch (random.nextInt(6)) {
      case 0:
        {
          int bit = random.nextInt(8);
          bytes[at] ^= (byte) (1 << bit);
          return "bit " + bit + " of byte " + at;
        }
      case 1:
        {
          int n = 1 + random.nextInt(Math.min(64, bytes.length - at));
          for (int i = 0; i < n; i++) {
            bytes[at + i] = (byte) random.nextInt(256);
          }
          return n + " random bytes at " + at;
        }
      case 2:
        {
          int n = 1 + random.nextInt(Math.min(256, bytes.length - at));
          Arrays.fill(bytes, at, at + n, (byte) 0);
          return n + " zero bytes at " + at;
        }
      case 3:
        {
          // A 4-byte little-endian length field somewhere: absurdly large or negative.
          int p = Math.min(at, bytes.length - 4);
          FrameFormat.putIntLE(
              bytes,
              p,
              random.nextBoolean()
                  ? Integer.MAX_VALUE - random.nextInt(9)
                  : -1 - random.nextInt(1000));
          return "an absurd int at " + p;
        }
      case 4:
        {
          // Truncation: the tail of the segment is gone (zeroed past the file's new end is what
          // a reader of the recorded length sees as the file ending early).
          int keep = at;
          Arrays.fill(bytes, keep, bytes.length, (byte) 0);
          return "truncated at " + keep;
        }
      default:
        {
          // An inserted byte shifts everything after it by one.
          System.arraycopy(bytes, at, bytes, at + 1, bytes.length - at - 1);
          bytes[at] = (byte) random.nextInt(256);
          return "a byte inserted at " + at;
        }
    }
  }
}
