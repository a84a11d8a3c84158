package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.values.PCollection;

/** Assertions the runner test modules share: on a pipeline's output, and on spill directories. */
public final class PipelineAsserts {
  private PipelineAsserts() {}

  /**
   * Asserts that {@code actual} holds exactly {@code expected}, as a multiset, in linear time
   * (PAssert's {@code containsInAnyOrder} matches pairwise, which takes minutes at 10^4 elements).
   */
  public static <T> void assertSameElements(PCollection<T> actual, Collection<T> expected) {
    PAssert.that(actual)
        .satisfies(
            elements -> {
              assertSameElementsIn("the output", elements, expected);
              return null;
            });
  }

  /**
   * Asserts that {@code actual} holds exactly {@code expected}, as a multiset; on a difference,
   * says how many elements of {@code what} differ and shows five.
   */
  public static <T> void assertSameElementsIn(
      String what, Iterable<T> actual, Collection<T> expected) {
    HashMap<T, Integer> counts = countsOf(expected);
    HashMap<T, Integer> got = countsOf(actual);
    if (!got.equals(counts)) {
      List<String> diff = new ArrayList<>();
      for (T t : counts.keySet()) {
        if (!counts.get(t).equals(got.get(t))) {
          diff.add(t + " expected " + counts.get(t) + "x, got " + got.get(t));
        }
      }
      for (T t : got.keySet()) {
        if (!counts.containsKey(t)) {
          diff.add(t + " unexpected");
        }
      }
      throw new AssertionError(
          what
              + ": "
              + diff.size()
              + " elements differ, for example "
              + diff.subList(0, Math.min(5, diff.size())));
    }
  }

  private static <T> HashMap<T, Integer> countsOf(Iterable<T> elements) {
    HashMap<T, Integer> counts = new HashMap<>();
    for (T t : elements) {
      counts.merge(t, 1, Integer::sum);
    }
    return counts;
  }

  /** Asserts that {@code dir} holds nothing, at any depth. */
  public static void assertEmpty(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      assertEquals(
          "files left in " + dir,
          List.of(),
          files.filter(p -> !p.equals(dir)).map(Path::toString).collect(Collectors.toList()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits up to {@code millis} for {@code dir} to be empty, then asserts that it is. */
  public static void awaitEmpty(Path dir, long millis) throws InterruptedException {
    awaitEmpty(dir, millis, false);
  }

  /**
   * Waits for {@code dir} to empty, collecting garbage meanwhile: engines that a runner dropped
   * without tearing their DoFns down are closed by a cleaner once their DoFn is collected.
   */
  public static void awaitEmptyCollectingGarbage(Path dir, long millis)
      throws InterruptedException {
    awaitEmpty(dir, millis, true);
  }

  private static void awaitEmpty(Path dir, long millis, boolean collectGarbage)
      throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (collectGarbage) {
        System.gc();
      }
      try (Stream<Path> files = Files.list(dir)) {
        if (files.findAny().isEmpty()) {
          return;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Thread.sleep(20);
    }
    assertEmpty(dir);
  }
}
