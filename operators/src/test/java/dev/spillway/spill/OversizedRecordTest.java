package dev.spillway.spill;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertThrows;

import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.junit.Rule;
import org.junit.Test;

/**
 * A single record larger than the whole budget cannot be held in the engine's pages: every engine
 * refuses it with an error naming the record's size and the budget, after spilling what it held,
 * and leaves no file behind (the rule checks the directory).
 */
public class OversizedRecordTest {
  private static final int BUDGET = 128 << 10;

  @Rule public final SpillDirRule spill = new SpillDirRule();

  private void assertRefused(
      Function<SpillConfig, SpillingEngine> make, BiConsumer<SpillingEngine, byte[]> add) {
    byte[] huge = new byte[4 * BUDGET];
    Random random = new Random(2);
    try (SpillingEngine engine = make.apply(spill.config(BUDGET))) {
      for (int i = 0; i < 5_000; i++) {
        add.accept(engine, new byte[8 + random.nextInt(8)]);
      }
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> add.accept(engine, huge));
      assertThat(e.getMessage(), containsString("a record of " + (huge.length + 8) + " bytes"));
      assertThat(e.getMessage(), containsString("does not fit the memory budget of " + BUDGET));
    }
  }

  @Test
  public void everyEngineRefusesARecordFourTimesTheBudgetByName() {
    Random keys = new Random(1);
    assertRefused(
        ExternalGroupBy::new,
        (e, v) -> ((ExternalGroupBy) e).add(OrderedBytes.encodeLong(keys.nextInt(500)), v));
    assertRefused(
        ExternalSorter::new,
        (e, v) -> ((ExternalSorter) e).add(OrderedBytes.encodeLong(keys.nextLong()), v));
  }
}
