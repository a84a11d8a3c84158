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
    /** A new session of the key {@code [varint length][key]} at {@code bytes[offset, +length)}. */
    void begin(byte[] bytes, int offset, int length);

    void value(byte[] bytes, int offset, int length);

    /** The session's merged window, {@code [start, end)} in epoch milliseconds. */
    void end(long start, long end);
  }

  private SessionMerge() {}

  /** Reads {@code sorted} to its end, handing every session to {@code sessions}. */
  static void walk(RecordCursor sorted, Sessions sessions) {
    ByteSink key = new ByteSink();
    boolean open = false;
    long start = 0;
    long end = 0;
    while (sorted.next()) {
      byte[] k = sorted.keyArray();
      int kOff = sorted.keyOffset();
      int kLen = sorted.keyLength();
      int keyPart = kLen - SessionKey.BOUNDS_BYTES;
      long windowStart = SessionKey.start(k, kOff, kLen);
      long windowEnd = SessionKey.end(k, kOff, kLen);
      boolean sameKey =
          open && Arrays.equals(k, kOff, kOff + keyPart, key.array(), 0, key.length());
      if (sameKey && windowStart < end) {
        end = Math.max(end, windowEnd);
      } else {
        if (open) {
          sessions.end(start, end);
        }
        if (!sameKey) {
          key.clear();
          key.write(k, kOff, keyPart);
        }
        open = true;
        start = windowStart;
        end = windowEnd;
        sessions.begin(key.array(), 0, key.length());
      }
      sessions.value(sorted.valueArray(), sorted.valueOffset(), sorted.valueLength());
    }
    if (open) {
      sessions.end(start, end);
    }
  }
}
