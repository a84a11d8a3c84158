package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.RecordCursor;
import java.util.Arrays;

/**
 * Merges session windows in one pass over records sorted by {@link SessionKey} bytes, as {@code
 * Sessions} merges them: a key's windows in order of their starts, each joining the session before
 * it when it starts before that session ends. A session's records are adjacent in that order, so
 * each is handed on as it is read and a key's sessions never need the heap.
 */
final class SessionMerge {
  /** Receives each session: its key, its records' values, then its window. */
  interface Sessions {
    /**
     * A new session of the key {@code [varint length][key]} at {@code bytes[offset, +length)},
     * starting at {@code start} (epoch milliseconds; its end is known at {@link #end}).
     */
    void begin(byte[] bytes, int offset, int length, long start);

    void value(byte[] bytes, int offset, int length);

    /** The session's merged window, {@code [start, end)} in epoch milliseconds. */
    void end(long start, long end);
  }

  private SessionMerge() {}

  /** Reads {@code sorted} to its end, handing every session to {@code sessions}. */
  static void walk(RecordCursor sorted, Sessions sessions) {
    ByteSink key = new ByteSink();
    SessionSplitter bounds = new SessionSplitter();
    boolean open = false;
    while (sorted.next()) {
      byte[] k = sorted.keyArray();
      int kOff = sorted.keyOffset();
      int keyPart = sorted.keyLength() - SessionKey.BOUNDS_BYTES;
      int boundsOff = kOff + keyPart;
      boolean sameKey = open && Arrays.equals(k, kOff, boundsOff, key.array(), 0, key.length());
      if (!sameKey || !bounds.joins(k, boundsOff, SessionKey.BOUNDS_BYTES)) {
        if (open) {
          sessions.end(bounds.start(), bounds.end());
        }
        if (!sameKey) {
          key.clear();
          key.write(k, kOff, keyPart);
        }
        open = true;
        bounds.begin(k, boundsOff, SessionKey.BOUNDS_BYTES);
        sessions.begin(key.array(), 0, key.length(), bounds.start());
      }
      sessions.value(sorted.valueArray(), sorted.valueOffset(), sorted.valueLength());
    }
    if (open) {
      sessions.end(bounds.start(), bounds.end());
    }
  }
}
