package dev.spillway.spill;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** When a spilling engine's table is judged, and what it must combine to be kept. */
public class TableJudgeTest {
  @Test
  public void aFillIsJudgedAtHalfTheMemoryOrAt32MiBWhicheverComesFirst() {
    TableJudge judge = new TableJudge(0.5);
    judge.startEngineFill(8 << 20);
    for (int i = 0; i < 1000; i++) {
      judge.countRecord();
    }
    assertFalse("below half of 8 MiB", judge.stopsPayingMidFill(4 << 20, 1000));
    assertTrue("past half of 8 MiB", judge.stopsPayingMidFill((4 << 20) + 1, 1000));

    judge.startEngineFill(1L << 30);
    for (int i = 0; i < 1000; i++) {
      judge.countRecord();
    }
    assertFalse("at 32 MiB", judge.stopsPayingMidFill(TableJudge.MAX_JUDGE_BYTES, 1000));
    assertTrue(
        "past 32 MiB of a 1 GiB budget",
        judge.stopsPayingMidFill(TableJudge.MAX_JUDGE_BYTES + 1, 1000));
    assertFalse("judged once a fill", judge.stopsPayingMidFill(512L << 20, 1000));
  }

  @Test
  public void aTableThatCombinesEnoughIsKept() {
    TableJudge judge = new TableJudge(0.9);
    judge.startEngineFill(1L << 30);
    for (int i = 0; i < 1000; i++) {
      judge.countRecord();
    }
    assertFalse(
        "twenty records a key", judge.stopsPayingMidFill(TableJudge.MAX_JUDGE_BYTES + 1, 50));
    judge.startEngineFill(1L << 30);
    for (int i = 0; i < 1000; i++) {
      judge.countRecord();
    }
    assertTrue("five records a key", judge.stopsPayingMidFill(TableJudge.MAX_JUDGE_BYTES + 1, 200));
  }
}
