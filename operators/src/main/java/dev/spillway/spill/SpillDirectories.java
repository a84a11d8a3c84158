package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The private spill directories of one engine: one owner-only ({@code 0700}) subdirectory under
 * each configured root, handed out round-robin from a random start, so that the engines of one
 * process spread over the disks (the seed's {@code _get_local_dirs}).
 *
 * <p>Roots are checked when the engine starts: one that does not exist, is not a directory or is
 * not writable fails at once with its path, before any work is done. The private directories are
 * made when the engine first spills, so an engine that never spills touches no disk.
 */
final class SpillDirectories {
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private final List<Path> roots;
  /** The private directory under each root, made when a file is first put there. */
  private final Path[] dirs;
  private int next;

  private SpillDirectories(List<Path> roots) {
    this.roots = roots;
    this.dirs = new Path[roots.size()];
    this.next = ThreadLocalRandom.current().nextInt(roots.size());
  }

  /** Checks every root now; the private directories are made on first use. */
  static SpillDirectories create(List<Path> roots) {
    for (Path root : roots) {
      checkRoot(root);
    }
    return new SpillDirectories(List.copyOf(roots));
  }

  static void checkRoot(Path root) {
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
    int i = next;
    next = (next + 1) % dirs.length;
    if (dirs[i] == null) {
      Path root = roots.get(i);
      try {
        dirs[i] = Files.createTempDirectory(root, "spillway-", privateDirectory());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a spill directory in " + root + ": " + e, e);
      }
    }
    return dirs[i];
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
