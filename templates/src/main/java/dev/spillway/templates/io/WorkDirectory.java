package dev.spillway.templates.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The job's hidden work directory, as the steps that write into it see it: made by the job's
 * launcher before the pipeline runs and deleted when it ends, never made by a step, so that a
 * bundle still running after a job failed cannot leave a new one behind.
 */
public final class WorkDirectory {
  private static final String PREFIX = ".spillway-";
  private static final int UUID_LENGTH = 36;

  private WorkDirectory() {}

  /**
   * A new work directory's path beside {@code output}: {@code .spillway-<output>-<pid>-<uuid>},
   * named after this process so that the next job can tell one left by a process that died.
   */
  public static Path nameFor(Path output) {
    return output.resolveSibling(
        PREFIX
            + output.getFileName()
            + "-"
            + ProcessHandle.current().pid()
            + "-"
            + UUID.randomUUID());
  }

  /**
   * Deletes the work directories beside {@code output} left by processes that no longer run (a job
   * killed with SIGKILL, or that ran out of memory); those of running processes are kept. Returns
   * the directories deleted.
   */
  public static List<Path> sweepStale(Path output) throws IOException {
    String prefix = PREFIX + output.getFileName() + "-";
    List<Path> deleted = new ArrayList<>();
    try (Stream<Path> siblings = Files.list(output.toAbsolutePath().getParent())) {
      for (Path dir : (Iterable<Path>) siblings::iterator) {
        String name = dir.getFileName().toString();
        if (!name.startsWith(prefix) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        long pid = ownerPid(name.substring(prefix.length()));
        if (pid > 0 && ProcessHandle.of(pid).isEmpty()) {
          deleteRecursively(dir);
          deleted.add(dir);
        }
      }
    }
    return deleted;
  }

  /** The pid in {@code <pid>-<uuid>}, or -1 if the name is not of that form. */
  private static long ownerPid(String rest) {
    int dash = rest.length() - UUID_LENGTH - 1;
    if (dash < 1 || rest.charAt(dash) != '-') {
      return -1;
    }
    try {
      UUID.fromString(rest.substring(dash + 1));
      return Long.parseLong(rest.substring(0, dash));
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }

  /**
   * Deletes {@code dir} and all in it. Tasks of a job being stopped may still add a file while this
   * runs (one they were opening), so a directory found not empty is walked again, a few times; a
   * task cannot make the work directory again once it is gone ({@link #existing}).
   */
  public static void deleteRecursively(Path dir) throws IOException {
    for (int attempt = 1; ; attempt++) {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
        return;
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        if (attempt == 5) {
          throw e;
        }
      } catch (UncheckedIOException e) {
        if (attempt == 5 || !(e.getCause() instanceof NoSuchFileException)) {
          throw e;
        }
      }
    }
  }

  /** {@code name} as a path, which must be a directory that exists. */
  public static Path existing(String name) throws IOException {
    Path dir = Paths.get(name);
    if (!Files.isDirectory(dir)) {
      throw new IOException(
          "the job's work directory "
              + dir
              + " does not exist: the job's"
              + " launcher makes it before the pipeline runs and deletes it when the job ends (on a"
              + " cluster it must be on a filesystem every worker shares)");
    }
    return dir;
  }
}
