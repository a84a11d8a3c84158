package dev.spillway.spill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The files one exchange's producers and consumers share in this JVM, in a directory {@code
 * spillway-<pid>-exchange-<id>} of the first usable spill root, made on the first write, private to
 * the user.
 *
 * <p>An exchange lives while its users (the DoFn instances of its steps) do. The first user to
 * {@link #leave} means its pipeline is ending — on the DirectRunner a DoFn is torn down only when
 * its bundle failed or the pipeline is over — so the exchange is {@link #close closed} when the
 * last user leaves, or {@link #GRACE_MILLIS} after the first, whichever comes first: the runner may
 * still start bundles it had queued, and their DoFns set up after the others were torn down are
 * never torn down themselves. Closing deletes the directory with its files; once closed, an
 * exchange takes no file ({@link #write} fails), so a late bundle cannot make the directory again.
 * The grace lets bundles still running read what they need, so the error a user sees is the one
 * that failed the pipeline, not a missing file. Directories left open when the JVM exits are
 * deleted then; after a crash, the next engine to use the root removes them as it removes any spill
 * directory of a process that is gone ({@link StaleSpillSweeper}).
 *
 * <pre>{@code
 * ExchangeDirectory.join(exchangeId);                    // each producer and consumer, once
 * byte[] name = ExchangeDirectory.write(config, exchangeId, file -> {
 *   writeBlock(file);
 *   return file.toString().getBytes(UTF_8);
 * });
 * ...
 * ExchangeDirectory.leave(exchangeId);                   // at tear-down
 * }</pre>
 */
public final class ExchangeDirectory {
  /** How long an exchange stays open once its first user has left, unless the last leaves. */
  static final long GRACE_MILLIS = 2_000;

  /**
   * How many closed ids are remembered, so that a late write cannot reopen them. Late bundles come
   * within moments of their pipeline's end, long before so many other exchanges close.
   */
  private static final int CLOSED_REMEMBERED = 4_096;

  private static final ConcurrentHashMap<String, Exchange> OPEN = new ConcurrentHashMap<>();
  private static final Set<String> CLOSED =
      Collections.synchronizedSet(
          Collections.newSetFromMap(
              new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                  return size() > CLOSED_REMEMBERED;
                }
              }));

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ExchangeDirectory::closeAll, "spillway-exchange-cleanup"));
  }

  private ExchangeDirectory() {}

  /**
   * Writes a new file of exchange {@code id}: {@code writer} is given a fresh path in the
   * exchange's directory (made in a root of {@code config} on the first write) and returns what
   * this method returns. The exchange cannot close while {@code writer} runs.
   *
   * @throws IllegalStateException if the exchange has closed
   */
  public static <T> T write(SpillConfig config, String id, Function<Path, T> writer) {
    checkId(id);
    Exchange exchange = openExchange(id);
    if (exchange == null) {
      throw closedException(id);
    }
    exchange.lock.readLock().lock();
    try {
      if (exchange.closed) {
        throw closedException(id);
      }
      return writer.apply(exchange.directory(config).resolve(UUID.randomUUID().toString()));
    } finally {
      exchange.lock.readLock().unlock();
    }
  }

  private static IllegalStateException closedException(String id) {
    return new IllegalStateException(
        "exchange "
            + id
            + " is closed: its pipeline has ended"
            + " (failed, was cancelled or finished) while this bundle still ran");
  }

  /**
   * The open exchange {@code id}, made if needed, or null once it has closed. Deciding inside the
   * map's atomic step matters: {@link #close} marks the id closed before it takes the exchange out
   * of the map, so a call that sees no exchange also sees the mark, and no exchange is ever made
   * (nor removed) behind {@link #close}'s back.
   */
  private static Exchange openExchange(String id) {
    return OPEN.compute(
        id, (key, open) -> open != null || CLOSED.contains(key) ? open : new Exchange(key));
  }

  /** Counts a user of exchange {@code id} in this JVM. */
  public static void join(String id) {
    Exchange exchange = openExchange(id);
    if (exchange == null) {
      return; // a late bundle's DoFn: it can write nothing, and may never be torn down
    }
    synchronized (exchange) {
      exchange.users++;
    }
  }

  /**
   * Uncounts a user of exchange {@code id}: the last to leave closes it, the first to leave has it
   * closed after {@link #GRACE_MILLIS} at the latest.
   */
  public static void leave(String id) {
    Exchange exchange = OPEN.get(id);
    if (exchange == null) {
      return;
    }
    boolean last;
    boolean first;
    synchronized (exchange) {
      last = --exchange.users <= 0;
      first = !exchange.leaving;
      exchange.leaving = true;
    }
    if (last) {
      close(id);
    } else if (first) {
      CompletableFuture.runAsync(
          () -> close(id), CompletableFuture.delayedExecutor(GRACE_MILLIS, TimeUnit.MILLISECONDS));
    }
  }

  /**
   * Closes exchange {@code id}: deletes its directory and files, waiting for writes under way, and
   * refuses any file after. Idempotent.
   */
  public static void close(String id) {
    CLOSED.add(id); // first: from here on, no exchange of this id is made again
    Exchange exchange = OPEN.remove(id);
    if (exchange == null) {
      return;
    }
    exchange.lock.writeLock().lock();
    try {
      exchange.closed = true;
      if (exchange.directory != null) {
        deleteTree(exchange.directory);
      }
    } finally {
      exchange.lock.writeLock().unlock();
    }
  }

  private static void closeAll() {
    for (String id : List.copyOf(OPEN.keySet())) {
      close(id);
    }
  }

  private static void checkId(String id) {
    if (id.isEmpty() || !id.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-')) {
      throw new IllegalArgumentException("an exchange id is letters, digits and '-', was " + id);
    }
  }

  private static void deleteTree(Path dir) {
    try {
      StaleSpillSweeper.delete(dir);
    } catch (IOException e) {
      // Not ours to fail a pipeline over; a later run's sweep removes it once this JVM is gone.
    }
  }

  /** One exchange's state in this JVM. */
  private static final class Exchange {
    private final String id;

    /** Writers share it; closing takes it alone, so no file appears after the directory went. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private volatile boolean closed;

    /** Guarded by this; made under the read lock, read by {@link #close} under the write lock. */
    private Path directory;

    private int users; // guarded by this
    private boolean leaving; // guarded by this

    Exchange(String id) {
      this.id = id;
    }

    synchronized Path directory(SpillConfig config) {
      if (directory == null) {
        directory = make(config.spillDirectories());
      }
      return directory;
    }

    private Path make(List<Path> roots) {
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
      throw new UncheckedIOException(
          new IOException(
              "no spill directory can hold exchange files: " + String.join("; ", problems)));
    }
  }
}
