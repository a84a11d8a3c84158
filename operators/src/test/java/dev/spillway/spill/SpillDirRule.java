package dev.spillway.spill;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.rules.ExternalResource;
import org.junit.rules.TemporaryFolder;

/**
 * A fresh spill root per test that must be empty when the test ends: every engine deletes its files
 * and its private directory, on success, failure and early close; and every pool made by {@link
 * #config} must be whole again (no engine kept a byte of it).
 */
final class SpillDirRule extends ExternalResource {
  private final TemporaryFolder folder = new TemporaryFolder();
  private final List<MemoryPool> pools = new ArrayList<>();
  private Path root;

  @Override
  protected void before() throws Throwable {
    folder.create();
    root = folder.newFolder("spill").toPath();
  }

  @Override
  protected void after() {
    try {
      assertEquals("files left in the spill directory", List.of(), leftovers());
      for (MemoryPool pool : pools) {
        assertEquals("bytes of a pool still held after the test", 0, pool.used());
      }
    } finally {
      folder.delete();
    }
  }

  Path root() {
    return root;
  }

  /** A config with this root and {@code budget} bytes of its own. */
  SpillConfig config(long budget) {
    MemoryPool pool = MemoryPool.ofBytes(budget);
    pools.add(pool);
    return SpillConfig.withPool(pool).withSpillDirectories(List.of(root));
  }

  List<String> leftovers() {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> !p.equals(root))
          .map(p -> root.relativize(p).toString())
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
