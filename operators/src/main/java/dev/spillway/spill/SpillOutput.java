package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A spill file being written and the block buffer its segments fill, taken together from an
 * engine's resources and given back together. {@link #finish} counts the file's bytes as spilled;
 * closing without finishing — a spill that failed half way — deletes the half-written file at once
 * rather than at the engine's close, so a failing engine does not keep a partial file on a disk
 * that may be the one that filled up.
 *
 * <pre>{@code
 * try (SpillOutput out = resources.openSpill("run")) {
 *   SegmentWriter segment = out.newSegment(Layout.LAYOUT_KEY_VALUE, Order.ORDER_KEY_BYTES);
 *   ... append records ...
 *   SegmentLocation run = segment.finish();
 *   out.finish();
 * }
 * }</pre>
 */
final class SpillOutput implements AutoCloseable {
  private final EngineResources resources;
  private final SpillFileWriter file;
  private final IoBuffers.Slot slot;
  private boolean finished;
  private boolean closed;

  SpillOutput(EngineResources resources, SpillFileWriter file, IoBuffers.Slot slot) {
    this.resources = resources;
    this.file = file;
    this.slot = slot;
  }

  /** A new segment at the end of the file, filling this output's block buffer. */
  SegmentWriter newSegment(Layout layout, Order order) {
    return resources.newSegment(file, slot, layout, order);
  }

  Path path() {
    return file.path();
  }

  /** Marks the file complete, to be kept until its engine deletes it, and counts its bytes. */
  void finish() {
    finished = true;
    resources.recordDiskBytes(file.position());
  }

  /** Releases the file handle and the buffer; deletes the file unless it was finished. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      file.close();
    } finally {
      resources.buffers.release(slot);
      if (!finished) {
        deleteUnfinished();
      }
    }
  }

  private void deleteUnfinished() {
    try {
      resources.deleteFile(file.path());
    } catch (UncheckedIOException e) {
      // The error that stopped the spill is the one to report; the engine's close retries this.
    }
  }
}
