package dev.spillway.templates.io;

import dev.spillway.spill.WholeFile;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A part of a job's output written whole or not at all: under a temporary name beside it, renamed
 * to its name when complete, so that a retried task replaces a part whole and a failed one leaves
 * no part (its temporary file is deleted at once; the work directory takes any other leftover).
 */
public final class PartFile {
  /** Writes a part's lines; returns how many. */
  @FunctionalInterface
  public interface Body {
    long write(OutputStream out) throws IOException;
  }

  private PartFile() {}

  /** Writes {@code part} with {@code body}; returns the lines it wrote. */
  public static long write(Path part, Body body) {
    try {
      return WholeFile.write(
          part,
          file -> {
            try (OutputStream buffered = new BufferedOutputStream(file, 1 << 16)) {
              return body.write(buffered);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + part + ": " + e.getMessage(), e);
    }
  }
}
