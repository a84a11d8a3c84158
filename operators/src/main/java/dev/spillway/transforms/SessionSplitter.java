package dev.spillway.transforms;

import dev.spillway.spill.GroupSplitter;
import dev.spillway.spill.OrderedBytes;

/**
 * Merges a key's session windows as {@code Sessions} does, seeing their bounds ({@link
 * SessionKey}'s last 16 bytes) in order of their starts: a window joins the session before it when
 * it starts before that session ends. After a window is refused, {@link #start()} and {@link
 * #end()} are still the bounds of the session it ended.
 */
final class SessionSplitter implements GroupSplitter {
  private long start;
  private long end;

  @Override
  public void begin(byte[] bounds, int offset, int length) {
    start = OrderedBytes.decodeLong(bounds, offset);
    end = OrderedBytes.decodeLong(bounds, offset + 8);
  }

  @Override
  public boolean joins(byte[] bounds, int offset, int length) {
    if (OrderedBytes.decodeLong(bounds, offset) >= end) {
      return false;
    }
    end = Math.max(end, OrderedBytes.decodeLong(bounds, offset + 8));
    return true;
  }

  /** The start of the current session's merged window, in epoch milliseconds. */
  long start() {
    return start;
  }

  /** The end (exclusive) of the current session's merged window, in epoch milliseconds. */
  long end() {
    return end;
  }
}
