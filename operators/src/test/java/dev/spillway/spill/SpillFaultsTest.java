package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;

/**
 * A disk that fills up while an engine spills or merges: the engine fails naming the file and
 * directory, deletes every file it wrote, and the same input run again (a retried bundle) gives
 * each result exactly once.
 */
public class SpillFaultsTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  /** A disk of {@code capacity} bytes: writes past it fail as a full disk does. */
  private static SpillFaults diskOf(long capacity) {
    AtomicLong used = new AtomicLong();
    return (file, bytes) -> {
      if (used.addAndGet(bytes) > capacity) {
        throw new IOException("No space left on device");
      }
    };
  }

  private static void assertDiskFull(RuntimeException e, Path root) {
    UncheckedIOException io =
        e instanceof UncheckedIOException
            ? (UncheckedIOException) e
            : (UncheckedIOException) e.getCause();
    assertThat(io.getMessage(), containsString("No space left on device"));
    assertThat(io.getMessage(), containsString("in directory " + root));
  }

  @Test
  public void eachEngineFailsCleanlyWhenTheDiskFillsAtAnyPoint() {
    // Capacities from the first spill's first block to deep into the merge.
    for (long capacity : new long[] {100, 20_000, 150_000, 600_000}) {
      for (String engine : ModelRuns.ENGINES) {
        SpillConfig config =
            spill.config(128 << 10).withMaxBlockBytes(1024).withFaults(diskOf(capacity));
        RuntimeException e =
            assertThrows(
                engine + " with a disk of " + capacity,
                RuntimeException.class,
                () -> ModelRuns.run(engine, config, 7));
        assertDiskFull(e, spill.root());
        assertEquals(
            engine + " left files with a disk of " + capacity,
            java.util.List.of(),
            spill.leftovers());
      }
    }
  }

  @Test
  public void aRetryAfterAFullDiskGivesEachResultOnce() {
    SpillConfig full = spill.config(128 << 10).withFaults(diskOf(300_000));
    assertThrows(RuntimeException.class, () -> ModelRuns.run("merger", full, 11));
    // The retry, with room: the model comparison checks every key comes out once.
    SpillStats stats = ModelRuns.run("merger", spill.config(128 << 10), 11);
    assertTrue(stats.spillCount() > 0);
  }

  @Test
  public void aSorterRunThatFailsHalfWayIsDeletedAtOnce() throws IOException {
    try (ExternalSorter sorter = new ExternalSorter(configWithASmallDisk())) {
      assertAFailedSpillLeavesNoFile(sorter::add);
    }
  }

  @Test
  public void aGroupBySpillThatFailsHalfWayIsDeletedAtOnce() throws IOException {
    try (ExternalGroupBy groups = new ExternalGroupBy(configWithASmallDisk())) {
      assertAFailedSpillLeavesNoFile(groups::add);
    }
  }

  /**
   * A budget that spills every few hundred records onto a disk that fills during the first spill.
   */
  private SpillConfig configWithASmallDisk() {
    return spill.config(128 << 10).withMaxBlockBytes(1024).withFaults(diskOf(2_000));
  }

  /** Adds records until a spill fails; the engine, still open, must have no file left. */
  private void assertAFailedSpillLeavesNoFile(BiConsumer<byte[], byte[]> add) throws IOException {
    byte[] value = new byte[100];
    RuntimeException failure =
        assertThrows(
            RuntimeException.class,
            () -> {
              for (int i = 0; ; i++) {
                add.accept(("key-" + i).getBytes(StandardCharsets.UTF_8), value);
              }
            });
    assertThat("the first spill failed", failure.getMessage(), containsString("-0.seg"));
    try (Stream<Path> files = Files.walk(spill.root())) {
      assertEquals(
          "the failed spill's file is gone before the engine is closed",
          List.of(),
          files.filter(Files::isRegularFile).collect(Collectors.toList()));
    }
  }
}
