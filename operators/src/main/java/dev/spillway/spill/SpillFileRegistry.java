package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The single owner of an engine's spill files. A file is registered before it is created, and
 * {@link #close()} deletes every file still registered and then the engine's directories: on
 * success, on failure and on early close alike. Idempotent.
 */
final class SpillFileRegistry implements AutoCloseable {
  /**
   * Registries not yet closed, deleted by a shutdown hook if the JVM exits first (a cancelled
   * pipeline, a worker told to stop): spill files never outlive the process that wrote them, except
   * after a crash that runs no hooks.
   */
  private static final Set<SpillFileRegistry> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(SpillFileRegistry::closeAllLive, "spillway-spill-cleanup"));
  }

  private final SpillDirectories directories;
  private final Set<Path> files = new LinkedHashSet<>();
  private long counter;
  private boolean closed;

  SpillFileRegistry(SpillDirectories directories) {
    this.directories = directories;
    LIVE.add(this);
  }

  private static void closeAllLive() {
    for (SpillFileRegistry registry : LIVE) {
      try {
        registry.close();
      } catch (RuntimeException e) {
        // The JVM is exiting: delete what can be deleted and go on.
      }
    }
  }

  /** Creates a new, empty, owner-only file in the next spill directory. */
  synchronized Path create(String kind) {
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
  synchronized void delete(Path path) {
    if (files.remove(path)) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete spill file " + path, e);
      }
    }
  }

  synchronized int liveFiles() {
    return files.size();
  }

  /** Deletes every file and directory; idempotent, and safe from the shutdown hook's thread. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LIVE.remove(this);
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
