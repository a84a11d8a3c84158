package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A block in a file of its own: read back as written, and refused, naming the file, if not. */
public class BlockFileTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static byte[] block(int length, long seed) {
    byte[] b = new byte[length];
    Random random = new Random(seed);
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (random.nextInt(4) == 0 ? random.nextInt() : 'a' + i % 7);
    }
    return b;
  }

  @Test
  public void blocksComeBackAsWrittenWithEveryCodecPlainAndEncrypted() throws Exception {
    ExchangeKey key = ExchangeKey.create();
    for (CompressionCodec codec : CompressionCodec.values()) {
      for (ExchangeKey k : new ExchangeKey[] {null, key}) {
        for (int length : new int[] {0, 1, 4096, 300_000}) {
          byte[] b = block(length, length);
          Path file = tmp.getRoot().toPath().resolve(codec + "-" + (k != null) + "-" + length);
          long written = new BlockFile(codec, k).write(file, b, b.length);
          assertEquals("the size it reports", Files.size(file), written);
          // Another instance reads it, as the merge step's DoFn does.
          assertArrayEquals(codec + " " + length, b, new BlockFile(codec, k).read(file));
          assertFalse(Files.exists(file.resolveSibling(file.getFileName() + ".inprogress")));
        }
      }
    }
    byte[] ones = new byte[100_000];
    Arrays.fill(ones, (byte) 1);
    Path file = tmp.newFile().toPath();
    new BlockFile(CompressionCodec.LZ4, null).write(file, ones, ones.length);
    assertArrayEquals(ones, new BlockFile(CompressionCodec.LZ4, null).read(file));
  }

  @Test
  public void aChangedTruncatedForeignOrOtherwiseKeyedFileIsRefusedByName() throws Exception {
    byte[] b = block(10_000, 1);
    Path file = tmp.newFile("b").toPath();
    ExchangeKey key = ExchangeKey.create();
    new BlockFile(CompressionCodec.LZ4, key).write(file, b, b.length);
    byte[] stored = Files.readAllBytes(file);

    Exception e =
        assertThrows(
            CorruptSegmentException.class,
            () -> new BlockFile(CompressionCodec.LZ4, ExchangeKey.create()).read(file));
    assertThat(e.getMessage(), containsString("does not authenticate"));
    assertThat(e.getMessage(), containsString(file.toString()));

    byte[] changed = stored.clone();
    changed[changed.length / 2] ^= 1;
    Files.write(file, changed);
    e =
        assertThrows(
            CorruptSegmentException.class,
            () -> new BlockFile(CompressionCodec.LZ4, key).read(file));
    assertThat(e.getMessage(), containsString("CRC32C mismatch"));

    Files.write(file, Arrays.copyOf(stored, stored.length - 5));
    e =
        assertThrows(
            CorruptSegmentException.class,
            () -> new BlockFile(CompressionCodec.LZ4, key).read(file));
    assertThat(e.getMessage(), containsString("truncated"));

    Files.write(file, "hello, not a block".getBytes());
    e =
        assertThrows(
            CorruptSegmentException.class,
            () -> new BlockFile(CompressionCodec.LZ4, key).read(file));
    assertThat(e.getMessage(), containsString("not a block file"));
  }
}
