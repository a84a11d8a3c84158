package dev.spillway.spill;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

/**
 * Which partitions the group-by loads sorted by hash; what such a load gives is checked through
 * {@link ExternalGroupByTest}.
 */
public class HashOrderedGroupsTest {
  private static final Path UNREAD = Path.of("unread");

  @Test
  public void aLoadTakesAtMost64MiBWhateverTheBudget() {
    // 1,000 values of 20 raw bytes, in one bucket: about 80 KB loaded.
    List<SegmentLocation> small = List.of(new SegmentLocation(UNREAD, 0, 0, 1000, 1000, 20_000));
    assertTrue(HashOrderedGroups.fits(small, 4096, 1L << 30));
    assertFalse("not beside what the budget has left", HashOrderedGroups.fits(small, 4096, 30_000));
    // 2M values of 50 MB raw: chains of about 70 MB, past the cap of a 1 GiB budget.
    List<SegmentLocation> large =
        List.of(new SegmentLocation(UNREAD, 0, 0, 2_000_000, 2_000_000, 50_000_000));
    assertFalse(HashOrderedGroups.fits(large, 4096, 1L << 30));
  }
}
