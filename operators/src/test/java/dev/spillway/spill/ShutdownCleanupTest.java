package dev.spillway.spill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A JVM that exits with engines still open (a cancelled pipeline, a stopped worker) deletes their
 * spill files on the way out. Runs a child JVM, so the exit is real.
 */
public class ShutdownCleanupTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** The child: spills from two open engines, reports, and exits without closing them. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      SpillConfig config =
          SpillConfig.withBudget(96 << 10).withSpillDirectories(List.of(Paths.get(args[0])));
      ExternalSorter sorter = new ExternalSorter(config);
      ExternalGroupBy groups = new ExternalGroupBy(config);
      Random random = new Random(1);
      for (int i = 0; i < 30_000; i++) {
        sorter.add(OrderedBytes.encodeLong(random.nextLong()), new byte[8]);
        groups.add(OrderedBytes.encodeLong(random.nextInt(10_000)), new byte[8]);
      }
      long files;
      try (Stream<Path> all = Files.walk(Paths.get(args[0]))) {
        files = all.filter(Files::isRegularFile).count();
      }
      System.out.println("spill files before exit: " + files);
      System.exit(0);
    }
  }

  @Test
  public void exitingWithOpenEnginesLeavesNoSpillFile() throws Exception {
    Path dir = tmp.newFolder("spill").toPath();
    ChildJvm child = ChildJvm.run(tmp.newFile("child.log"), "", Child.class, dir.toString());
    String log = child.log;
    assertEquals(log, 0, child.exitCode);
    assertTrue("the child spilled: " + log, log.matches("(?s).*spill files before exit: [1-9].*"));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals("left in " + dir + File.separator, 0, left.count());
    }
  }
}
