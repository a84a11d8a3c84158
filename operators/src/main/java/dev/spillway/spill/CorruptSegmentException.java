package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A spill segment that cannot be read back as it was written: truncated, a CRC mismatch, an unknown
 * version or codec, an impossible length. Names the file and the block (0-based; -1 for the segment
 * header).
 */
public final class CorruptSegmentException extends UncheckedIOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long block;

  CorruptSegmentException(Path file, long block, String problem) {
    super(message(file, block, problem), new IOException(problem));
    this.file = file;
    this.block = block;
  }

  CorruptSegmentException(Path file, long block, String problem, Throwable cause) {
    super(message(file, block, problem), new IOException(problem, cause));
    this.file = file;
    this.block = block;
  }

  private static String message(Path file, long block, String problem) {
    return "corrupt spill segment in "
        + file
        + (block < 0 ? " (segment header)" : " at block " + block)
        + ": "
        + problem;
  }

  /** The file that could not be read back. */
  public Path file() {
    return file;
  }

  /** The block's number within its segment, or -1 for the header. */
  public long block() {
    return block;
  }
}
