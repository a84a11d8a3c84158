package dev.spillway.spill;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;

/**
 * Records that the budget can hold are accepted whatever else holds the pool: an engine's fair
 * share bounds its growth, never a single record the budget has room for.
 */
public class SharedBudgetRecordsTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  private SpillConfig pooled(MemoryPool pool) {
    return SpillConfig.withPool(pool).withSpillDirectories(List.of(spill.root()));
  }

  /**
   * Defect 3 of the windowing issue: with another engine open on a 256 KiB pool, a 100 KB record
   * was refused as too large "even after spilling everything".
   */
  @Test
  public void aRecordUnderTheBudgetIsAcceptedWhileAnotherEngineSharesThePool() {
    MemoryPool pool = MemoryPool.ofBytes(256 << 10);
    for (int kind = 0; kind < 3; kind++) {
      try (ExternalGroupBy other = new ExternalGroupBy(pooled(pool))) {
        other.add(new byte[] {9}, new byte[] {9});
        byte[] big = new byte[100 << 10];
        new Random(kind).nextBytes(big);
        if (kind == 0) {
          try (ExternalGroupBy groups = new ExternalGroupBy(pooled(pool))) {
            groups.add(big, new byte[] {1});
            groups.add(new byte[] {2}, big);
            try (GroupCursor out = groups.finish()) {
              int keys = 0;
              while (out.next()) {
                keys++;
                ValueCursor values = out.values().cursor();
                assertTrue(values.next());
                assertEquals(out.keyLength() == 1 ? big.length : 1, values.length());
              }
              assertEquals(2, keys);
            }
          }
        } else if (kind == 1) {
          try (ExternalSorter sorter = new ExternalSorter(pooled(pool))) {
            sorter.add(big, new byte[] {1});
            sorter.add(new byte[] {2}, big);
            try (RecordCursor out = sorter.finish()) {
              assertTrue(out.next());
              assertEquals(1, out.keyLength());
              assertTrue(out.next());
              assertEquals(big.length, out.keyLength());
            }
          }
        } else {
          try (ExternalMerger<Long, long[]> sums =
              new ExternalMerger<>(new LongSum(), LongSum.CODEC, pooled(pool))) {
            sums.add(big, 0, big.length, 5L);
            try (CombineCursor<long[]> out = sums.finish()) {
              assertTrue(out.next());
              assertArrayEquals(
                  big,
                  java.util.Arrays.copyOfRange(
                      out.keyArray(), out.keyOffset(), out.keyOffset() + out.keyLength()));
            }
          }
        }
      }
    }
    assertEquals(0, pool.used());
  }
}
