package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * An exchange's directory: one per id and JVM, in the first usable root, named so that a sweep
 * removes it once its process is gone; deleted with its files, at once or when the JVM exits.
 */
public class ExchangeDirectoryTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void oneDirectoryPerIdInTheFirstUsableRootDeletedWithItsFiles() throws Exception {
    Path missing = tmp.getRoot().toPath().resolve("missing");
    Path root = tmp.newFolder("spill").toPath();
    SpillConfig config = SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(missing, root));
    Path dir = ExchangeDirectory.of(config, "job-1");
    assertEquals(root, dir.getParent());
    assertTrue(dir.getFileName().toString().startsWith(StaleSpillSweeper.prefixOfThisProcess()));
    assertEquals("a sweep finds this process's id in the name", ProcessHandle.current().pid(),
        StaleSpillSweeper.pidOf(dir.getFileName().toString()));
    assertEquals(dir, ExchangeDirectory.of(config, "job-1"));
    Files.write(dir.resolve("block"), new byte[10]);
    Path other = ExchangeDirectory.of(config, "job-2");

    ExchangeDirectory.delete("job-1");
    assertFalse(Files.exists(dir));
    assertTrue(Files.isDirectory(other));
    ExchangeDirectory.delete("job-1"); // idempotent
    ExchangeDirectory.delete("job-2");
    try (var left = Files.list(root)) {
      assertEquals(0, left.count());
    }
  }

  @Test
  public void theLastUserToLeaveDeletesTheDirectory() throws Exception {
    SpillConfig config = SpillConfig.withBudget(1 << 20)
        .withSpillDirectories(List.of(tmp.newFolder("spill").toPath()));
    ExchangeDirectory.join("shared");
    ExchangeDirectory.join("shared");
    Path dir = ExchangeDirectory.of(config, "shared");
    Files.write(dir.resolve("block"), new byte[1]);
    ExchangeDirectory.leave("shared");
    assertTrue("one user is left", Files.exists(dir.resolve("block")));
    ExchangeDirectory.leave("shared");
    assertFalse(Files.exists(dir));
  }

  @Test
  public void anIdThatCouldLeaveTheRootIsRefused() throws Exception {
    SpillConfig config = SpillConfig.withBudget(1 << 20)
        .withSpillDirectories(List.of(tmp.newFolder("spill").toPath()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExchangeDirectory.of(config, "../x"));
    assertThat(e.getMessage(), containsString("../x"));
  }

  @Test
  public void noUsableRootIsNamed() {
    Path missing = tmp.getRoot().toPath().resolve("missing");
    SpillConfig config = SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(missing));
    Exception e = assertThrows(RuntimeException.class, () -> ExchangeDirectory.of(config, "j"));
    assertThat(e.getMessage(), containsString(missing.toString()));
  }
}
