package dev.spillway.spill;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Removes the spill directories that a killed process left behind. A private spill directory is
 * named {@code spillway-<pid>-<random>}; the first engine of a JVM to use a root deletes every such
 * directory there whose process is no longer running and which belongs to this user. A SIGKILL or a
 * crash runs no shutdown hook, so this is what keeps a root from filling up over restarts. A
 * directory whose process is alive (its own, or a PID reused) is never touched.
 */
final class StaleSpillSweeper {
  private static final System.Logger LOG = System.getLogger(StaleSpillSweeper.class.getName());
  static final String PREFIX = "spillway-";
  private static final long PID = ProcessHandle.current().pid();
  private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

  private StaleSpillSweeper() {}

  /** The name prefix of this process's private directories. */
  static String prefixOfThisProcess() {
    return PREFIX + PID + "-";
  }

  /** Sweeps {@code root} once per JVM; never fails the engine (a sweep is housekeeping). */
  static void sweepOnce(Path root) {
    if (!SWEPT.add(root.toAbsolutePath())) {
      return;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, PREFIX + "*")) {
      UserPrincipal me =
          root.getFileSystem()
              .getUserPrincipalLookupService()
              .lookupPrincipalByName(System.getProperty("user.name"));
      for (Path dir : dirs) {
        long pid = pidOf(dir.getFileName().toString());
        if (pid < 0
            || pid == PID
            || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
            || !Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).equals(me)) {
          continue;
        }
        delete(dir);
        LOG.log(
            Level.INFO,
            "spillway: removed "
                + dir
                + ", left by process "
                + pid
                + ", which is no longer running");
      }
    } catch (IOException | SecurityException e) {
      LOG.log(
          Level.WARNING, "spillway: cannot sweep " + root + " for stale spill directories: " + e);
    }
  }

  /** The PID in {@code spillway-<pid>-<random>}, or -1 for any other name. */
  static long pidOf(String name) {
    int end = name.indexOf('-', PREFIX.length());
    if (end <= PREFIX.length()) {
      return -1;
    }
    try {
      return Long.parseLong(name.substring(PREFIX.length(), end));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Deletes a private directory: its regular files (spill segments), then itself. */
  static void delete(Path dir) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(f);
        }
      }
    }
    Files.deleteIfExists(dir);
  }
}
