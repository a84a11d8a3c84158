package dev.spillway.templates.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@link LineReader} against a model that splits the file's bytes at each {@code \n}: every line,
 * its start offset and its UTF-8 validity, for short lines and for lines on both sides of {@link
 * LineReader#LONG_LINE_BYTES} (read twice from a seekable file, gathered from any other channel).
 */
public class LineReaderTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final int LONG = LineReader.LONG_LINE_BYTES;

  /** A line of {@code length} bytes of UTF-8 text (two-byte characters among ASCII). */
  private static byte[] text(Random random, int length) {
    byte[] out = new byte[length];
    int i = 0;
    while (i < length) {
      if (i + 1 < length && random.nextInt(7) == 0) {
        byte[] e = "é".getBytes(StandardCharsets.UTF_8);
        out[i++] = e[0];
        out[i++] = e[1];
      } else {
        out[i++] = (byte) ('a' + random.nextInt(26));
      }
    }
    return out;
  }

  private static final class Line {
    final long start;
    final byte[] bytes; // without its line break and a \r before it

    Line(long start, byte[] bytes) {
      this.start = start;
      this.bytes = bytes;
    }
  }

  /** The model: the file's lines from {@code from}, a line break ending each but maybe the last. */
  private static List<Line> model(byte[] file, int from) {
    List<Line> lines = new ArrayList<>();
    int start = from;
    for (int i = from; i <= file.length; i++) {
      if (i == file.length || file[i] == '\n') {
        if (i == file.length && start == file.length) {
          break;
        }
        int end = i > start && file[i - 1] == '\r' ? i - 1 : i;
        lines.add(new Line(start, Arrays.copyOfRange(file, start, end)));
        start = i + 1;
      }
    }
    return lines;
  }

  private static void assertReads(LineReader reader, List<Line> expected) throws IOException {
    for (Line line : expected) {
      String got = reader.readLine();
      String want = new String(line.bytes, StandardCharsets.UTF_8);
      if (line.start == 0 && want.startsWith("\uFEFF")) {
        want = want.substring(1);
      }
      assertEquals("line at " + line.start, want.length(), got.length());
      assertEquals("line at " + line.start, want, got);
      assertEquals(line.start, reader.lineStart());
      // Valid UTF-8 is what decodes and encodes back to the same bytes.
      boolean valid =
          Arrays.equals(
              line.bytes,
              new String(line.bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
      assertEquals("valid UTF-8 at " + line.start, valid, reader.lastLineIsValidUtf8());
    }
    assertNull(reader.readLine());
  }

  private byte[] mixedFile() throws IOException {
    Random random = new Random(7);
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}); // a byte order mark
    file.write(text(random, LONG + 3)); // a long first line
    file.write('\n');
    for (int length : new int[] {0, 5, LONG - 1, LONG, LONG + 1, 3 * LONG + 5, 10, 64 << 10}) {
      file.write(text(random, length));
      file.write(
          random.nextBoolean() ? "\r\n".getBytes(StandardCharsets.US_ASCII) : new byte[] {'\n'});
    }
    // A long line with a byte that is not UTF-8, then one holding U+FFFD itself (valid).
    byte[] bad = text(random, 2 * LONG);
    bad[LONG + 17] = (byte) 0xFF;
    file.write(bad);
    file.write('\n');
    file.write(text(random, LONG + 100));
    file.write("\uFFFD".getBytes(StandardCharsets.UTF_8));
    file.write('\n');
    file.write(text(random, 2 * LONG + 9)); // the last line, long, with no line break
    return file.toByteArray();
  }

  @Test
  public void longAndShortLinesFromASeekableFileAreTheModels() throws IOException {
    byte[] bytes = mixedFile();
    Path file = tmp.newFile().toPath();
    Files.write(file, bytes);
    try (LineReader reader = LineReader.open(file)) {
      assertReads(reader, model(bytes, 0));
    }
  }

  @Test
  public void linesFromAChannelThatCannotSeekAreTheSame() throws IOException {
    byte[] bytes = mixedFile();
    try (LineReader reader =
        new LineReader(Channels.newChannel(new ByteArrayInputStream(bytes)), 0, "stream")) {
      assertReads(reader, model(bytes, 0));
    }
  }

  /** As a range of a split input starts: in the middle of a long line, skipped to the next. */
  @Test
  public void aReaderStartedInsideALongLineReadsTheLinesAfterIt() throws IOException {
    byte[] bytes = mixedFile();
    Path file = tmp.newFile().toPath();
    Files.write(file, bytes);
    List<Line> all = model(bytes, 0);
    long at = all.get(4).start + LONG / 2; // inside the line of LONG bytes
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      channel.position(at);
      LineReader reader = new LineReader(channel, at, file.toString());
      reader.skipLine();
      assertEquals(all.get(5).start, reader.position());
      assertReads(reader, all.subList(5, all.size()));
    }
  }

  @Test
  public void aLongLineAloneWithAndWithoutItsBreak() throws IOException {
    Random random = new Random(3);
    for (String end : new String[] {"", "\n", "\r\n", "\r"}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(text(random, 2 * LONG));
      out.write(end.getBytes(StandardCharsets.US_ASCII));
      byte[] bytes = out.toByteArray();
      Path file = tmp.newFile().toPath();
      Files.write(file, bytes);
      try (LineReader reader = LineReader.open(file)) {
        assertReads(reader, model(bytes, 0));
        assertEquals(bytes.length, reader.position());
      }
    }
  }
}
