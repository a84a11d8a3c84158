package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.Rule;
import org.junit.Test;

/** Spill encryption: same results, no plaintext on disk, tampering and other keys refused. */
public class EncryptionTest {
  private static final byte[] SECRET =
      "CARD-4111-1111-1111-1111".getBytes(StandardCharsets.US_ASCII);

  @Rule public final SpillDirRule spill = new SpillDirRule();

  @Test
  public void everyEngineGivesTheSameResultsEncrypted() {
    for (String engine : ModelRuns.ENGINES) {
      SpillStats stats = ModelRuns.run(engine, spill.config(128 << 10).withEncryption(true), 3);
      assertThat(engine, stats.spillCount(), greaterThan(1L));
    }
  }

  @Test
  public void spilledValuesAreNotOnDiskInTheClear() throws IOException {
    assertEquals("the control run shows the secret", true, secretOnDisk(false));
    assertEquals("the encrypted run hides it", false, secretOnDisk(true));
  }

  /** Spills records holding {@link #SECRET}, uncompressed, and looks for it in the files. */
  private boolean secretOnDisk(boolean encrypted) throws IOException {
    try (ExternalGroupBy groups =
        new ExternalGroupBy(
            spill.config(128 << 10).withCodec(CompressionCodec.NONE).withEncryption(encrypted))) {
      for (int i = 0; i < 20_000; i++) {
        groups.add(OrderedBytes.encodeLong(i % 500), SECRET);
      }
      assertThat(groups.stats().spillCount(), greaterThan(0L));
      boolean found = false;
      try (Stream<Path> files = Files.walk(spill.root())) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          found |= indexOf(Files.readAllBytes(f), SECRET) >= 0;
        }
      }
      return found;
    }
  }

  @Test
  public void aChangedCiphertextWithAFixedCrcDoesNotAuthenticate() throws IOException {
    try (EngineResources resources =
        new EngineResources(spill.config(1 << 20).withEncryption(true))) {
      SegmentLocation location = writeOne(resources);
      byte[] bytes = Files.readAllBytes(location.file());
      int frame = (int) location.offset() + 1 + bytes[(int) location.offset()];
      int storedLength = FrameFormat.getIntLE(bytes, frame);
      int rawLength = FrameFormat.getIntLE(bytes, frame + 4);
      bytes[frame + 12 + FrameCipher.NONCE_BYTES + 3] ^= 1; // a ciphertext byte
      // An attacker who also fixes the CRC still fails the GCM tag.
      FrameFormat.putIntLE(
          bytes,
          frame + 8,
          FrameFormat.checksum(new CRC32C(), rawLength, bytes, frame + 12, storedLength));
      Files.write(location.file(), bytes);
      CorruptSegmentException e =
          assertThrows(CorruptSegmentException.class, () -> drain(resources, location));
      assertThat(e.getMessage(), containsString("does not authenticate"));
    }
  }

  @Test
  public void anotherEnginesKeyCannotReadASegment() {
    try (EngineResources writer = new EngineResources(spill.config(1 << 20).withEncryption(true));
        EngineResources other = new EngineResources(spill.config(1 << 20).withEncryption(true));
        EngineResources plain = new EngineResources(spill.config(1 << 20))) {
      SegmentLocation location = writeOne(writer);
      assertThat(
          assertThrows(CorruptSegmentException.class, () -> drain(other, location)).getMessage(),
          containsString("does not authenticate"));
      assertThat(
          assertThrows(CorruptSegmentException.class, () -> drain(plain, location)).getMessage(),
          containsString("no key"));
      assertEquals(100, drain(writer, location));
    }
  }

  private static SegmentLocation writeOne(EngineResources resources) {
    SpillFileWriter file = resources.newFile("enc");
    IoBuffers.Slot slot = resources.buffers.acquire();
    try {
      SegmentWriter w = resources.newSegment(file, slot, Layout.LAYOUT_KEY_VALUE, Order.ORDER_NONE);
      for (int i = 0; i < 100; i++) {
        byte[] k = OrderedBytes.encodeLong(i);
        w.append(k, 0, k.length, SECRET, 0, SECRET.length);
      }
      return w.finish();
    } finally {
      file.close();
      resources.buffers.release(slot);
    }
  }

  private static int drain(EngineResources resources, SegmentLocation location) {
    int n = 0;
    try (SegmentReader r = resources.open(location)) {
      while (r.next()) {
        n++;
      }
    }
    return n;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
