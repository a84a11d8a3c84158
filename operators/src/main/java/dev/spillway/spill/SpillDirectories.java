package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The private spill directories of one engine: one owner-only ({@code 0700}) subdirectory under
 * each usable root, handed out round-robin from a random start, so that the engines of one process
 * spread over the disks (the seed's {@code _get_local_dirs}).
 *
 * <p>Roots are checked when the engine starts, by a real write (a permission check says yes to root
 * on any directory, and nothing to a read-only mount): with one root, one that does not exist, is
 * not a directory or is not writable fails at once with its path, before any work is done; with
 * several, the bad ones are reported (a warning naming each and why) and the others used. The
 * private directories are made when the engine first spills, so an engine that never spills touches
 * no disk; a root that fails then is reported and skipped the same way. The directories are named
 * after the process, so that those of a killed process can be swept ({@link StaleSpillSweeper}).
 */
final class SpillDirectories {
  private static final System.Logger LOG = System.getLogger(SpillDirectories.class.getName());
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  /** Roots that passed the write check lately: engines start per bundle, disks rarely change. */
  private static final ConcurrentHashMap<Path, Long> CHECKED = new ConcurrentHashMap<>();

  private static final long RECHECK_NANOS = 10_000_000_000L;

  /**
   * Random names tried for a directory before giving up: each taken one was made by someone else.
   */
  private static final int MAX_NAME_ATTEMPTS = 16;

  private final List<Path> roots;

  /** The private directory under each root, made when a file is first put there. */
  private final Path[] dirs;

  /** Roots whose private directory could not be made: skipped from then on. */
  private final boolean[] failed;

  private int next;

  private SpillDirectories(List<Path> roots) {
    this.roots = roots;
    this.dirs = new Path[roots.size()];
    this.failed = new boolean[roots.size()];
    this.next = ThreadLocalRandom.current().nextInt(roots.size());
  }

  /** Checks every root now; the private directories are made on first use. */
  static SpillDirectories create(List<Path> roots) {
    List<Path> usable = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Path root : roots) {
      try {
        checkRoot(root);
        usable.add(root);
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    usable.forEach(StaleSpillSweeper::sweepOnce);
    if (usable.isEmpty()) {
      throw new IllegalArgumentException(
          problems.size() == 1
              ? problems.get(0)
              : "no usable spill directory: " + String.join("; ", problems));
    }
    if (!problems.isEmpty()) {
      LOG.log(
          Level.WARNING,
          "spillway: skipping " + String.join("; ", problems) + "; spilling to " + usable);
    }
    return new SpillDirectories(List.copyOf(usable));
  }

  static void checkRoot(Path root) {
    Long checked = CHECKED.get(root);
    if (checked != null && System.nanoTime() - checked < RECHECK_NANOS) {
      return;
    }
    if (!Files.exists(root)) {
      throw new IllegalArgumentException("spill directory " + root + " does not exist");
    }
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("spill directory " + root + " is not a directory");
    }
    try {
      Files.delete(createUniqueDirectory(root, ".spillway-probe-"));
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          "spill directory "
              + root
              + " is not writable ("
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + ")");
    }
    CHECKED.put(root, System.nanoTime());
  }

  Path next() {
    List<String> errors = null;
    for (int attempt = 0; attempt < dirs.length; attempt++) {
      int i = next;
      next = (next + 1) % dirs.length;
      if (failed[i]) {
        continue;
      }
      if (dirs[i] != null) {
        return dirs[i];
      }
      Path root = roots.get(i);
      try {
        dirs[i] = createUniqueDirectory(root, StaleSpillSweeper.prefixOfThisProcess());
        return dirs[i];
      } catch (IOException | SecurityException e) {
        failed[i] = true;
        CHECKED.remove(root);
        String why = "cannot create a spill directory in " + root + ": " + e;
        if (errors == null) {
          errors = new ArrayList<>();
        }
        errors.add(why);
        LOG.log(Level.WARNING, "spillway: " + why + "; skipping it");
      }
    }
    throw new UncheckedIOException(
        new IOException(
            errors == null
                ? "every spill directory has failed: " + roots
                : "no spill directory can be used: " + String.join("; ", errors)));
  }

  /** Deletes the private directories (the registry has deleted their files first). */
  void delete() {
    UncheckedIOException failure = null;
    for (int i = 0; i < dirs.length; i++) {
      if (dirs[i] == null) {
        continue;
      }
      try {
        Files.deleteIfExists(dirs[i]);
        dirs[i] = null;
      } catch (IOException e) {
        if (failure == null) {
          failure = new UncheckedIOException("cannot delete spill directory " + dirs[i], e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Makes a new owner-only directory {@code root/<prefix><random>}, trying other names while one is
   * taken. Not {@code Files.createTempDirectory}: its names come from a {@code SecureRandom}, whose
   * first use costs a JVM about 20 ms. Unpredictable names are not needed here: the directory is
   * made only if no file or link has its name, and only its owner can enter it.
   */
  static Path createUniqueDirectory(Path root, String prefix) throws IOException {
    for (int attempt = 1; ; attempt++) {
      String name = prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
      try {
        return Files.createDirectory(root.resolve(name), privateDirectory());
      } catch (FileAlreadyExistsException e) {
        if (attempt == MAX_NAME_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  static FileAttribute<?>[] privateDirectory() {
    return POSIX
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))
        }
        : new FileAttribute<?>[0];
  }

  static FileAttribute<?>[] privateFile() {
    return POSIX
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
        }
        : new FileAttribute<?>[0];
  }
}
