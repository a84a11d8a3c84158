package dev.spillway.spill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * More sorted runs than the open-file limit allows at once: a child JVM under {@code ulimit -n 64}
 * sorts with a budget that would allow merging 64 runs at once (more descriptors than the process
 * has), and must instead merge within the limit, in rounds, with the right result.
 */
public class OpenFileLimitTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** The child: sorts and groups with a tiny budget, checks the results, reports. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      SpillConfig config = config(Paths.get(args[0]));
      int fanIn;
      try (EngineResources probe = new EngineResources(config)) {
        fanIn = probe.plan.fanIn();
      }
      Random random = new Random(5);
      int records = 4_000_000;
      try (ExternalSorter sorter = new ExternalSorter(config)) {
        for (int i = 0; i < records; i++) {
          sorter.add(OrderedBytes.encodeLong(random.nextLong()), new byte[16]);
        }
        long n = 0;
        byte[] previous = null;
        try (RecordCursor out = sorter.finish()) {
          while (out.next()) {
            byte[] key =
                Arrays.copyOfRange(
                    out.keyArray(), out.keyOffset(), out.keyOffset() + out.keyLength());
            if (previous != null && Arrays.compareUnsigned(previous, key) > 0) {
              throw new AssertionError("out of order at " + n);
            }
            previous = key;
            n++;
          }
        }
        if (n != records) {
          throw new AssertionError("sorted " + n + " of " + records);
        }
        System.out.println(
            "runs "
                + sorter.stats().spillCount()
                + " merge rounds "
                + sorter.stats().mergeRounds()
                + " fan-in "
                + fanIn);
      }
      System.out.println("ok");
    }
  }

  static SpillConfig config(Path dir) {
    return SpillConfig.withBudget(4 << 20).withSpillDirectories(List.of(dir));
  }

  @Test
  public void aMergeOfManyRunsStaysWithinUlimit64() throws Exception {
    Assume.assumeTrue("needs bash and ulimit", Files.isExecutable(Paths.get("/bin/bash")));
    Path dir = tmp.newFolder("spill").toPath();
    try (EngineResources here = new EngineResources(config(dir))) {
      assertEquals(
          "with descriptors to spare, the budget allows the full fan-in",
          SpillConfig.DEFAULT_MAX_FAN_IN,
          here.plan.fanIn());
    }
    ChildJvm child =
        ChildJvm.run(tmp.newFile("child.log"), "ulimit -n 64 &&", Child.class, dir.toString());
    String log = child.log;
    assertEquals(log, 0, child.exitCode);
    assertTrue(log, log.contains("ok"));
    Matcher m = Pattern.compile("runs (\\d+) merge rounds (\\d+) fan-in (\\d+)").matcher(log);
    assertTrue(log, m.find());
    int fanIn = Integer.parseInt(m.group(3));
    assertTrue("a fan-in within the limit: " + log, fanIn < 16);
    assertTrue("more runs than one merge takes: " + log, Long.parseLong(m.group(1)) > fanIn);
    assertTrue("merged in rounds: " + log, Long.parseLong(m.group(2)) > 0);
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals("left in " + dir + File.separator, 0, left.count());
    }
  }
}
