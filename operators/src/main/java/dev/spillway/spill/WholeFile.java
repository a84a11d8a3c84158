package dev.spillway.spill;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Writes a file whole or not at all: under a temporary name beside it ({@code
 * <name>.<uuid>.inprogress}), renamed into place once written, so that a reader never sees half a
 * file under its name; the temporary file is deleted when the writing fails.
 *
 * <pre>{@code
 * long lines = WholeFile.write(part, out -> writeLines(out));
 * }</pre>
 */
public final class WholeFile {
  /** Writes the file's bytes to {@code out} (unbuffered: buffer it if you write small pieces). */
  @FunctionalInterface
  public interface Body<T> {
    T write(OutputStream out) throws IOException;
  }

  private WholeFile() {}

  /** Writes {@code file} with {@code body}, replacing it; returns what {@code body} returned. */
  public static <T> T write(Path file, Body<T> body) throws IOException {
    Path inProgress =
        file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".inprogress");
    try {
      T result;
      try (OutputStream out = Files.newOutputStream(inProgress)) {
        result = body.write(out);
      }
      Files.move(
          inProgress, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return result;
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(inProgress);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}
