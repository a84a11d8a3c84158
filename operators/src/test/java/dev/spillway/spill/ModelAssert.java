package dev.spillway.spill;

import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Compares an engine's output with a model, reporting a few differences, not both maps. */
final class ModelAssert {
  private ModelAssert() {}

  static <K, V> void assertSameMap(Map<K, V> expected, Map<K, V> actual) {
    List<String> problems = new ArrayList<>();
    Set<K> keys = new HashSet<>(expected.keySet());
    keys.addAll(actual.keySet());
    for (K k : keys) {
      V e = expected.get(k);
      V a = actual.get(k);
      if (!Objects.equals(e, a)) {
        problems.add(k + ": expected " + e + ", was " + a);
      }
    }
    if (!problems.isEmpty()) {
      fail(
          problems.size()
              + " of "
              + expected.size()
              + " keys differ ("
              + actual.size()
              + " returned), for example "
              + problems.subList(0, Math.min(5, problems.size())));
    }
  }
}
