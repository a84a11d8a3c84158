package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * An exchange's directory: one per id and JVM, in the first usable root, named so that a sweep
 * removes it once its process is gone; deleted with its files when the last user leaves or soon
 * after the first, and never made again once closed, whatever a late bundle does.
 */
public class ExchangeDirectoryTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static Path writeOne(SpillConfig config, String id) {
    return ExchangeDirectory.write(
        config,
        id,
        file -> {
          try {
            return Files.write(file, new byte[10]);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private SpillConfig configIn(Path root) {
    return SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(root));
  }

  private static long entries(Path root) throws IOException {
    try (var left = Files.list(root)) {
      return left.count();
    }
  }

  @Test
  public void oneDirectoryPerIdInTheFirstUsableRootDeletedWithItsFiles() throws Exception {
    Path missing = tmp.getRoot().toPath().resolve("missing");
    Path root = tmp.newFolder("spill").toPath();
    SpillConfig config =
        SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(missing, root));
    Path file = writeOne(config, "job-1");
    Path dir = file.getParent();
    assertEquals(root, dir.getParent());
    assertTrue(dir.getFileName().toString().startsWith(StaleSpillSweeper.prefixOfThisProcess()));
    assertEquals(
        "a sweep finds this process's id in the name",
        ProcessHandle.current().pid(),
        StaleSpillSweeper.pidOf(dir.getFileName().toString()));
    assertEquals(dir, writeOne(config, "job-1").getParent());
    Path other = writeOne(config, "job-2").getParent();

    ExchangeDirectory.close("job-1");
    assertFalse(Files.exists(dir));
    assertTrue(Files.isDirectory(other));
    ExchangeDirectory.close("job-1"); // idempotent
    ExchangeDirectory.close("job-2");
    assertEquals(0, entries(root));
  }

  @Test
  public void theLastUserToLeaveClosesTheExchange() throws Exception {
    SpillConfig config = configIn(tmp.newFolder("spill").toPath());
    ExchangeDirectory.join("shared");
    ExchangeDirectory.join("shared");
    Path file = writeOne(config, "shared");
    ExchangeDirectory.leave("shared");
    assertTrue("one user is left, within the grace", Files.exists(file));
    ExchangeDirectory.leave("shared");
    assertFalse(Files.exists(file.getParent()));
  }

  @Test
  public void aUserThatNeverLeavesKeepsTheExchangeOnlyForTheGrace() throws Exception {
    Path root = tmp.newFolder("spill").toPath();
    SpillConfig config = configIn(root);
    ExchangeDirectory.join("torn");
    ExchangeDirectory.join("torn"); // a DoFn the runner set up late and will never tear down
    writeOne(config, "torn");
    long left = System.nanoTime();
    ExchangeDirectory.leave("torn");
    while (entries(root) > 0) {
      assertTrue(
          "closed within the grace",
          System.nanoTime() - left
              < TimeUnit.MILLISECONDS.toNanos(ExchangeDirectory.GRACE_MILLIS * 5));
      Thread.sleep(20);
    }
    assertThat(
        System.nanoTime() - left,
        greaterThan(TimeUnit.MILLISECONDS.toNanos(ExchangeDirectory.GRACE_MILLIS / 2)));
  }

  @Test
  public void aClosedExchangeTakesNoFileAndIsNotMadeAgain() throws Exception {
    Path root = tmp.newFolder("spill").toPath();
    SpillConfig config = configIn(root);
    ExchangeDirectory.join("over");
    writeOne(config, "over");
    ExchangeDirectory.leave("over");
    ExchangeDirectory.join("over"); // a bundle the runner started after the pipeline ended
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> writeOne(config, "over"));
    assertThat(e.getMessage(), containsString("exchange over is closed"));
    assertEquals(0, entries(root));
  }

  @Test
  public void writesRacingTheCloseLeaveNothing() throws Exception {
    Path root = tmp.newFolder("spill").toPath();
    SpillConfig config = configIn(root);
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 20; round++) {
        String id = "race-" + round;
        ExchangeDirectory.join(id);
        CountDownLatch started = new CountDownLatch(4);
        List<Future<Integer>> written = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
          written.add(
              writers.submit(
                  () -> {
                    started.countDown();
                    int n = 0;
                    try {
                      while (true) {
                        writeOne(config, id);
                        n++;
                      }
                    } catch (IllegalStateException closed) {
                      return n;
                    }
                  }));
        }
        started.await();
        Thread.sleep(5);
        ExchangeDirectory.leave(id);
        int total = 0;
        for (Future<Integer> f : written) {
          total += f.get(10, TimeUnit.SECONDS);
        }
        assertThat(total, greaterThan(0));
        assertEquals("round " + round, 0, entries(root));
      }
    } finally {
      writers.shutdownNow();
    }
  }

  @Test
  public void anIdThatCouldLeaveTheRootIsRefused() throws Exception {
    SpillConfig config = configIn(tmp.newFolder("spill").toPath());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> writeOne(config, "../x"));
    assertThat(e.getMessage(), containsString("../x"));
  }

  @Test
  public void noUsableRootIsNamed() {
    Path missing = tmp.getRoot().toPath().resolve("missing");
    SpillConfig config = SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(missing));
    Exception e = assertThrows(RuntimeException.class, () -> writeOne(config, "j"));
    assertThat(e.getMessage(), containsString(missing.toString()));
  }
}
