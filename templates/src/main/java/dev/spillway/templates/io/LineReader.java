package dev.spillway.templates.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads UTF-8 lines from a file starting at a byte position, knowing the byte offset at which each
 * line starts (a line ends at {@code \n}; a {@code \r} before it is dropped).
 */
final class LineReader implements Closeable {
  private static final int BUFFER_BYTES = 64 << 10;

  private final ReadableByteChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
  private byte[] line = new byte[256];

  /** The file offset of the next byte {@code buffer} will return. */
  private long position;

  private long lineStart;

  /** The length of the line last returned, in {@link #line}. */
  private int lastLength;

  /** Reads {@code channel}, which is at byte {@code position} of its file. */
  LineReader(ReadableByteChannel channel, long position) {
    this.channel = channel;
    this.position = position;
    buffer.flip();
  }

  static LineReader open(Path file) throws IOException {
    return new LineReader(FileChannel.open(file, StandardOpenOption.READ), 0);
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
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(line, 0, lastLength));
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
        line = Arrays.copyOf(line, length * 2);
      }
      line[length++] = b;
    }
    if (length > 0 && line[length - 1] == '\r') {
      length--;
    }
    lastLength = length;
    if (lineStart == 0
        && length >= 3
        && line[0] == (byte) 0xEF
        && line[1] == (byte) 0xBB
        && line[2] == (byte) 0xBF) {
      // A UTF-8 byte order mark, as spreadsheet programs write: not part of the first column.
      return new String(line, 3, length - 3, StandardCharsets.UTF_8);
    }
    return new String(line, 0, length, StandardCharsets.UTF_8);
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
