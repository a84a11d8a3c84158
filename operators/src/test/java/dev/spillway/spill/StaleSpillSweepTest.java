package dev.spillway.spill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * A process killed mid-spill (no shutdown hook runs) leaves its private directory; the next engine
 * to use the root removes it, and leaves alone the directories of live processes and names it does
 * not know.
 */
public class StaleSpillSweepTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** The child: spills from an open engine, then halts as a SIGKILL would (no hooks). */
  public static final class Child {
    public static void main(String[] args) {
      SpillConfig config =
          SpillConfig.withBudget(96 << 10).withSpillDirectories(List.of(Paths.get(args[0])));
      ExternalSorter sorter = new ExternalSorter(config);
      Random random = new Random(1);
      for (int i = 0; i < 30_000; i++) {
        sorter.add(OrderedBytes.encodeLong(random.nextLong()), new byte[8]);
      }
      System.out.println("spilled " + sorter.stats().spillCount());
      System.out.flush();
      Runtime.getRuntime().halt(9);
    }
  }

  private static List<String> names(Path root) throws Exception {
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  public void theNextEngineRemovesWhatAKilledProcessLeft() throws Exception {
    Path root = tmp.newFolder("spill").toPath();
    ChildJvm child = ChildJvm.run(tmp.newFile("child.log"), "", Child.class, root.toString());
    assertEquals(child.log, 9, child.exitCode);
    String left = "spillway-" + child.pid + "-";
    List<String> before = names(root);
    assertTrue(
        "the killed child left its directory: " + before,
        before.stream().anyMatch(n -> n.startsWith(left)));

    // A live process's directory (this one's) and a name without a PID must stay.
    Path mine = Files.createDirectory(root.resolve(StaleSpillSweeper.prefixOfThisProcess() + "x"));
    Path unknown = Files.createDirectory(root.resolve("spillway-unknown"));
    try (ExternalSorter next =
        new ExternalSorter(SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(root)))) {
      assertEquals(List.of(mine.getFileName().toString(), "spillway-unknown"), names(root));
    }
    Files.delete(mine);
    Files.delete(unknown);
  }

  @Test
  public void pidsAreReadFromNamesOnly() {
    assertEquals(1234, StaleSpillSweeper.pidOf("spillway-1234-5678"));
    assertEquals(-1, StaleSpillSweeper.pidOf("spillway-5678"));
    assertEquals(-1, StaleSpillSweeper.pidOf("spillway-x1-2"));
    assertEquals(-1, StaleSpillSweeper.pidOf("spillway--2"));
  }
}
