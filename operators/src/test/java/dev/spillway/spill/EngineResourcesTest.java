package dev.spillway.spill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;

/** The borrowed view a nested engine runs on: shared budget and statistics, its own files. */
public class EngineResourcesTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  @Test
  public void closingABorrowedViewDeletesOnlyItsOwnFilesAndKeepsTheBudget() {
    try (EngineResources owner = new EngineResources(spill.config(1 << 20))) {
      Path ownerFile = written(owner, "owner");
      EngineResources view = owner.borrow();
      Path viewFile = written(view, "view");
      Path deletedEarly = written(view, "early");
      view.deleteFile(deletedEarly);
      assertTrue(view.reservation.tryReserve(4096));
      view.recordSpill(4096);

      view.close();

      assertFalse("the view's file", Files.exists(viewFile));
      assertTrue("the owner's file", Files.exists(ownerFile));
      assertFalse(owner.closed());
      assertEquals("statistics are shared", 1, owner.stats().spillCount());
      assertTrue("the view's reservation is the owner's", owner.reservation.used() >= 4096);
      view.close(); // idempotent
    }
    // the owner's close deletes the rest: SpillDirRule fails the test on any file left
  }

  private static Path written(EngineResources resources, String kind) {
    try (SpillFileWriter file = resources.newFile(kind)) {
      file.write(new byte[] {1, 2, 3}, 0, 3);
      return file.path();
    }
  }
}
