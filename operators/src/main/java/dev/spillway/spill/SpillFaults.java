package dev.spillway.spill;

import java.io.IOException;
import java.nio.file.Path;

/**
 * For tests: faults injected where spill files are written, to prove what a full disk does (the
 * engine fails naming the file and directory, and leaves no file behind).
 */
@FunctionalInterface
interface SpillFaults {
  SpillFaults NONE = (file, bytes) -> {};

  /** Called before {@code bytes} more bytes go to {@code file}; throws to fail that write. */
  void beforeWrite(Path file, int bytes) throws IOException;
}
