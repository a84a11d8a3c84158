package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends segments to one spill file. A failed write (a full disk, say) fails with the file and its
 * directory named; the registry deletes the half-written file.
 */
final class SpillFileWriter implements AutoCloseable {
  private final Path path;
  private final FileChannel channel;
  private final SpillFaults faults;
  private long position;

  SpillFileWriter(Path path, SpillFaults faults) {
    this.path = path;
    this.faults = faults;
    try {
      this.channel = FileChannel.open(path, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open spill file " + path + " for writing: " + e, e);
    }
  }

  Path path() {
    return path;
  }

  long position() {
    return position;
  }

  void write(byte[] bytes, int offset, int length) {
    writeAt(position, bytes, offset, length);
    position += length;
  }

  /** Appends {@code first[0, firstLength)}, then {@code second}'s range, in one system call. */
  void write(byte[] first, int firstLength, byte[] second, int secondOffset, int secondLength) {
    ByteBuffer[] buffers = {
      ByteBuffer.wrap(first, 0, firstLength), ByteBuffer.wrap(second, secondOffset, secondLength)
    };
    try {
      faults.beforeWrite(path, firstLength + secondLength);
      channel.position(position);
      while (buffers[1].hasRemaining()) {
        channel.write(buffers);
      }
    } catch (IOException e) {
      throw failed(e);
    }
    position += firstLength + secondLength;
  }

  /** Overwrites bytes already written (a segment header's record count). */
  void writeAt(long at, byte[] bytes, int offset, int length) {
    ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length);
    try {
      faults.beforeWrite(path, length);
      long p = at;
      while (buf.hasRemaining()) {
        p += channel.write(buf, p);
      }
    } catch (IOException e) {
      throw failed(e);
    }
  }

  private UncheckedIOException failed(IOException e) {
    return new UncheckedIOException(
        "cannot write spill file "
            + path
            + " in directory "
            + path.getParent()
            + " ("
            + e.getMessage()
            + ")",
        e);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close spill file " + path, e);
    }
  }
}
