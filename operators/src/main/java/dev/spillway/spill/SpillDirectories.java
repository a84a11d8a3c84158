package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The private spill directories of one engine: one owner-only ({@code 0700}) subdirectory under
 * each configured root, handed out round-robin from a random start, so that the engines of one
 * process spread over the disks (the seed's {@code _get_local_dirs}).
 *
 * <p>Roots are checked when the engine starts: one that does not exist, is not a directory or is
 * not writable fails at once with its path, before any work is done.
 */
final class SpillDirectories {
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private final List<Path> dirs;
  private int next;

  private SpillDirectories(List<Path> dirs) {
    this.dirs = dirs;
    this.next = ThreadLocalRandom.current().nextInt(dirs.size());
  }

  static SpillDirectories create(List<Path> roots) {
    List<Path> dirs = new ArrayList<>(roots.size());
    try {
      for (Path root : roots) {
        checkRoot(root);
        try {
          dirs.add(Files.createTempDirectory(root, "spillway-", privateDirectory()));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create a spill directory in " + root + ": " + e, e);
        }
      }
    } catch (RuntimeException e) {
      deleteAll(dirs);
      throw e;
    }
    return new SpillDirectories(dirs);
  }

  private static void checkRoot(Path root) {
    if (!Files.exists(root)) {
      throw new IllegalArgumentException("spill directory " + root + " does not exist");
    }
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("spill directory " + root + " is not a directory");
    }
    if (!Files.isWritable(root)) {
      throw new IllegalArgumentException("spill directory " + root + " is not writable");
    }
  }

  Path next() {
    Path dir = dirs.get(next);
    next = (next + 1) % dirs.size();
    return dir;
  }

  List<Path> directories() {
    return dirs;
  }

  /** Deletes the private directories (the registry has deleted their files first). */
  void delete() {
    deleteAll(dirs);
  }

  private static void deleteAll(List<Path> dirs) {
    UncheckedIOException failure = null;
    for (Path dir : dirs) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        if (failure == null) {
          failure = new UncheckedIOException("cannot delete spill directory " + dir, e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  static FileAttribute<?>[] privateDirectory() {
    return POSIX
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwx------"))}
        : new FileAttribute<?>[0];
  }

  static FileAttribute<?>[] privateFile() {
    return POSIX
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
  }
}
