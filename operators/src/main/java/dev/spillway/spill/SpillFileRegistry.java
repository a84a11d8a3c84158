package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The single owner of an engine's spill files. A file is registered before it is created, and
 * {@link #close()} deletes every file still registered and then the engine's directories: on
 * success, on failure and on early close alike. Idempotent.
 */
final class SpillFileRegistry implements AutoCloseable {
  private final SpillDirectories directories;
  private final Set<Path> files = new LinkedHashSet<>();
  private long counter;
  private boolean closed;

  SpillFileRegistry(SpillDirectories directories) {
    this.directories = directories;
  }

  /** Creates a new, empty, owner-only file in the next spill directory. */
  Path create(String kind) {
    if (closed) {
      throw new IllegalStateException("spill files are already deleted: the engine is closed");
    }
    Path path = directories.next().resolve(kind + "-" + (counter++) + ".seg");
    files.add(path);
    try {
      Files.createFile(path, SpillDirectories.privateFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create spill file " + path + ": " + e, e);
    }
    return path;
  }

  /** Deletes one file now (its data was merged). */
  void delete(Path path) {
    if (files.remove(path)) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete spill file " + path, e);
      }
    }
  }

  int liveFiles() {
    return files.size();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    UncheckedIOException failure = null;
    for (Path path : files) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        if (failure == null) {
          failure = new UncheckedIOException("cannot delete spill file " + path, e);
        }
      }
    }
    files.clear();
    try {
      directories.delete();
    } catch (UncheckedIOException e) {
      if (failure == null) {
        failure = e;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
