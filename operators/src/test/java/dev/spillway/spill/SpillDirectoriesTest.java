package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Spill directories: checked up front, private, spread round-robin, always emptied. */
public class SpillDirectoriesTest {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @Test
  public void aMissingRootFailsBeforeAnyWork() {
    Path missing = folder.getRoot().toPath().resolve("nope");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ExternalSorter(
                    SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(missing))));
    assertThat(e.getMessage(), containsString(missing + " does not exist"));
  }

  @Test
  public void aFileIsNotADirectory() throws IOException {
    Path file = folder.newFile("plain").toPath();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ExternalGroupBy(
                    SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(file))));
    assertThat(e.getMessage(), containsString(file + " is not a directory"));
  }

  /**
   * A directory this process cannot write to: a read-only one, or, for root (whom permissions do
   * not stop), /proc, where no directory can be made.
   */
  private Path unwritableDirectory() throws IOException {
    Path readOnly = folder.newFolder("ro").toPath();
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
    if (!Files.isWritable(readOnly)) {
      return readOnly;
    }
    Path proc = Paths.get("/proc");
    Assume.assumeTrue("no directory here refuses this user", Files.isDirectory(proc));
    return proc;
  }

  @Test
  public void anUnwritableRootIsNamedBeforeAnyWork() throws IOException {
    Path root = unwritableDirectory();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ExternalSorter(
                    SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(root))));
    assertThat(e.getMessage(), containsString(root + " is not writable"));
  }

  @Test
  public void aBadRootAmongSeveralIsSkippedAndTheOthersUsed() throws IOException {
    Path bad = unwritableDirectory();
    Path missing = folder.getRoot().toPath().resolve("missing");
    Path good = folder.newFolder("good").toPath();
    Random random = new Random(2);
    try (ExternalSorter sorter =
        new ExternalSorter(
            SpillConfig.withBudget(128 << 10).withSpillDirectories(List.of(bad, missing, good)))) {
      for (int i = 0; i < 40_000; i++) {
        sorter.add(OrderedBytes.encodeLong(random.nextLong()), new byte[4]);
      }
      assertThat(sorter.stats().spillCount(), greaterThan(3L));
      try (Stream<Path> files = Files.walk(good)) {
        assertThat(files.filter(Files::isRegularFile).count(), greaterThan(3L));
      }
      long sorted = 0;
      try (RecordCursor out = sorter.finish()) {
        while (out.next()) {
          sorted++;
        }
      }
      assertEquals(40_000, sorted);
    }
    assertFalse(Files.exists(missing));
    try (Stream<Path> left = Files.list(good)) {
      assertEquals(0, left.count());
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ExternalSorter(
                    SpillConfig.withBudget(1 << 20).withSpillDirectories(List.of(bad, missing))));
    assertThat(e.getMessage(), containsString("no usable spill directory"));
    assertThat(e.getMessage(), containsString(bad + " is not writable"));
    assertThat(e.getMessage(), containsString(missing + " does not exist"));
  }

  @Test
  public void filesArePrivateAndSpreadOverEveryRoot() throws IOException {
    Path a = folder.newFolder("a").toPath();
    Path b = folder.newFolder("b").toPath();
    Random random = new Random(1);
    try (ExternalSorter sorter =
        new ExternalSorter(SpillConfig.withBudget(128 << 10).withSpillDirectories(List.of(a, b)))) {
      for (int i = 0; i < 40_000; i++) {
        sorter.add(OrderedBytes.encodeLong(random.nextLong()), new byte[4]);
      }
      assertThat(sorter.stats().spillCount(), greaterThan(3L));
      Set<String> dirModes = new HashSet<>();
      Set<String> fileModes = new HashSet<>();
      for (Path root : List.of(a, b)) {
        try (Stream<Path> all = Files.walk(root)) {
          List<Path> paths = all.filter(p -> !p.equals(root)).collect(Collectors.toList());
          assertThat(
              "files under " + root,
              (int) paths.stream().filter(Files::isRegularFile).count(),
              greaterThan(0));
          for (Path p : paths) {
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
            (Files.isDirectory(p) ? dirModes : fileModes).add(mode);
          }
        }
      }
      assertEquals(Set.of("rwx------"), dirModes);
      assertEquals(Set.of("rw-------"), fileModes);
    }
    try (Stream<Path> left = Stream.concat(Files.list(a), Files.list(b))) {
      assertEquals(0, left.count());
    }
  }
}
