package dev.spillway.templates.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads UTF-8 lines from a file starting at a byte position, knowing the byte offset at which each
 * line starts (a line ends at {@code \n}; a {@code \r} before it is dropped).
 *
 * <p>A line longer than {@link #LONG_LINE_BYTES} in a seekable file is not gathered by doubling a
 * buffer (which holds up to three times its length at once, and keeps the largest for the rest of
 * the file): its end is found first, then its bytes are read again into one array of their length,
 * which goes as soon as the line is decoded. A 40 MiB line thus costs its bytes and its text at
 * once, not a 64 MiB buffer grown through a 32 MiB one and kept.
 */
final class LineReader implements Closeable {
  private static final int BUFFER_BYTES = 64 << 10;

  /** Lines longer than this are read twice instead of gathered (a seekable channel only). */
  static final int LONG_LINE_BYTES = 1 << 20;

  private final ReadableByteChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
  private byte[] line = new byte[256];

  /**
   * Whether the line last returned was read as a long line, and then whether its bytes were valid
   * UTF-8 (decided as it was read, since its bytes are not kept); null for a line in {@link #line}.
   */
  private Boolean longLineValid;

  /** The file offset of the next byte {@code buffer} will return. */
  private long position;

  private long lineStart;

  /** The length of the line last returned, in {@link #line}. */
  private int lastLength;

  /** What the channel reads, for {@link LongestLine}. */
  private final String file;

  /** Reads {@code channel}, which is at byte {@code position} of {@code file}. */
  LineReader(ReadableByteChannel channel, long position, String file) {
    this.channel = channel;
    this.position = position;
    this.file = file;
    buffer.flip();
  }

  static LineReader open(Path file) throws IOException {
    return new LineReader(FileChannel.open(file, StandardOpenOption.READ), 0, file.toString());
  }

  /** The offset at which the line last returned by {@link #readLine} starts. */
  long lineStart() {
    return lineStart;
  }

  /** The offset of the next line, once the previous one has been read. */
  long position() {
    return position;
  }

  /**
   * Whether the line last returned was valid UTF-8. {@link #readLine} replaces malformed bytes with
   * U+FFFD, so call this when a line holds one: two Latin-1 keys ({@code café} and {@code cafè})
   * would otherwise both become {@code caf\uFFFD} and merge.
   */
  boolean lastLineIsValidUtf8() {
    return longLineValid != null ? longLineValid : isValidUtf8(line, 0, lastLength);
  }

  private static boolean isValidUtf8(byte[] bytes, int offset, int length) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, offset, length));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** Skips to just after the next line break (or the end). */
  void skipLine() throws IOException {
    while (true) {
      if (!buffer.hasRemaining() && !fill()) {
        return;
      }
      position++;
      if (buffer.get() == '\n') {
        return;
      }
    }
  }

  /** The next line, or null at the end of the file. */
  String readLine() throws IOException {
    lineStart = position;
    longLineValid = null;
    int length = 0;
    boolean any = false;
    while (true) {
      if (!buffer.hasRemaining() && !fill()) {
        if (!any) {
          return null;
        }
        break;
      }
      any = true;
      byte b = buffer.get();
      position++;
      if (b == '\n') {
        break;
      }
      if (length == line.length) {
        if (length >= LONG_LINE_BYTES && channel instanceof SeekableByteChannel) {
          return readLongLine();
        }
        line = Arrays.copyOf(line, length * 2);
      }
      line[length++] = b;
    }
    length = withoutCarriageReturn(line, length);
    lastLength = length;
    return decode(line, length);
  }

  /**
   * The line starting at {@link #lineStart}, read again from the file into an array of its length
   * once its end is found; {@link #position} is just past the line's bytes read so far, none of
   * them a line break.
   */
  private String readLongLine() throws IOException {
    long end = position; // becomes the offset of the line's '\n', or the end of the file
    while (buffer.hasRemaining() || fill()) {
      byte b = buffer.get();
      position++;
      if (b == '\n') {
        break;
      }
      end++;
    }
    long bytes = end - lineStart;
    LongestLine.saw(bytes, file, lineStart);
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IOException(
          "the line at byte "
              + lineStart
              + " is "
              + bytes
              + " bytes long, longer than Java's"
              + " largest array");
    }
    SeekableByteChannel seekable = (SeekableByteChannel) channel;
    long resumeAt = seekable.position(); // where the next fill reads, after the buffered bytes
    byte[] text = new byte[(int) bytes];
    ByteBuffer into = ByteBuffer.wrap(text);
    seekable.position(lineStart);
    while (into.hasRemaining()) {
      if (seekable.read(into) < 0) {
        throw new IOException("the file ended while its line at byte " + lineStart + " was read");
      }
    }
    seekable.position(resumeAt);
    int length = withoutCarriageReturn(text, text.length);
    lastLength = 0;
    String decoded = decode(text, length);
    longLineValid = decoded.indexOf('\uFFFD') < 0 || isValidUtf8(text, 0, length);
    return decoded;
  }

  /** The length of the line in {@code bytes[0, length)} without a {@code \r} that ends it. */
  private static int withoutCarriageReturn(byte[] bytes, int length) {
    return length > 0 && bytes[length - 1] == '\r' ? length - 1 : length;
  }

  private String decode(byte[] bytes, int length) {
    if (lineStart == 0
        && length >= 3
        && bytes[0] == (byte) 0xEF
        && bytes[1] == (byte) 0xBB
        && bytes[2] == (byte) 0xBF) {
      // A UTF-8 byte order mark, as spreadsheet programs write: not part of the first column.
      return new String(bytes, 3, length - 3, StandardCharsets.UTF_8);
    }
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  private boolean fill() throws IOException {
    buffer.clear();
    int n;
    do {
      n = channel.read(buffer);
    } while (n == 0);
    buffer.flip();
    return n > 0;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
