package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directory where the producers and consumers of one file exchange in this JVM meet: {@code
 * spillway-<pid>-exchange-<id>} in the first usable spill root, made on first use, private to the
 * user. Every such directory is deleted with its files by {@link #delete} (or when its last user
 * {@link #leave leaves}) or, failing that, when the JVM exits; after a crash, the next engine to
 * use the root removes it as it removes any spill directory of a process that is gone ({@link
 * StaleSpillSweeper}).
 *
 * <pre>{@code
 * ExchangeDirectory.join(exchangeId);                    // each producer and consumer
 * Path dir = ExchangeDirectory.of(config, exchangeId);
 * ...
 * ExchangeDirectory.leave(exchangeId);                   // the last one deletes the directory
 * }</pre>
 */
public final class ExchangeDirectory {
  private static final ConcurrentHashMap<String, Path> DIRECTORIES = new ConcurrentHashMap<>();
  /** How many users (steps' DoFn instances) each exchange has in this JVM. */
  private static final ConcurrentHashMap<String, Integer> USERS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ExchangeDirectory::deleteAll,
        "spillway-exchange-cleanup"));
  }

  private ExchangeDirectory() {}

  /** The directory of exchange {@code id} in this JVM, made in a root of {@code config}. */
  public static Path of(SpillConfig config, String id) {
    if (id.isEmpty() || !id.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-')) {
      throw new IllegalArgumentException("an exchange id is letters, digits and '-', was " + id);
    }
    return DIRECTORIES.computeIfAbsent(id, ignored -> make(config.spillDirectories(), id));
  }

  private static Path make(List<Path> roots, String id) {
    List<String> problems = new ArrayList<>();
    for (Path root : roots) {
      try {
        SpillDirectories.checkRoot(root);
        StaleSpillSweeper.sweepOnce(root);
        Path dir = root.resolve(StaleSpillSweeper.prefixOfThisProcess() + "exchange-" + id);
        if (!Files.isDirectory(dir)) {
          Files.createDirectory(dir, SpillDirectories.privateDirectory());
        }
        return dir;
      } catch (IllegalArgumentException | IOException | SecurityException e) {
        problems.add(e.getMessage());
      }
    }
    throw new UncheckedIOException(new IOException(
        "no spill directory can hold exchange files: " + String.join("; ", problems)));
  }

  /** Counts a user of exchange {@code id} in this JVM. */
  public static void join(String id) {
    USERS.merge(id, 1, Integer::sum);
  }

  /** Uncounts a user of exchange {@code id}; the last to leave deletes its directory. */
  public static void leave(String id) {
    Integer left = USERS.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
    if (left == null) {
      delete(id);
    }
  }

  /** Deletes exchange {@code id}'s directory and its files, if this JVM made it. Idempotent. */
  public static void delete(String id) {
    Path dir = DIRECTORIES.remove(id);
    if (dir != null) {
      deleteTree(dir);
    }
  }

  private static void deleteAll() {
    for (String id : List.copyOf(DIRECTORIES.keySet())) {
      delete(id);
    }
  }

  private static void deleteTree(Path dir) {
    try {
      StaleSpillSweeper.delete(dir);
    } catch (IOException e) {
      // Not ours to fail a pipeline over; a later run's sweep removes it once this JVM is gone.
    }
  }
}
