package dev.spillway.templates.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

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
    Path inProgress = part.resolveSibling(
        part.getFileName() + "." + UUID.randomUUID() + ".inprogress");
    try {
      long lines;
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(inProgress),
          1 << 16)) {
        lines = body.write(file);
      }
      Files.move(inProgress, part, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      return lines;
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(inProgress);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof IOException) {
        throw new UncheckedIOException("cannot write " + part + ": " + e.getMessage(),
            (IOException) e);
      }
      throw (RuntimeException) e;
    }
  }
}
