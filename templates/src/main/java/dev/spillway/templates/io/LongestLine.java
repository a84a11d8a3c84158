package dev.spillway.templates.io;

import java.util.Locale;

/**
 * The longest line over {@link LineReader#LONG_LINE_BYTES} this JVM has read, and where: a job that
 * runs out of heap names it, since such a line costs a few times its length on the heap while it is
 * parsed and encoded, beside the job's {@code --memory}.
 */
public final class LongestLine {
  private static long bytes;
  private static String where;

  private LongestLine() {}

  /** Notes a line of {@code length} bytes starting at byte {@code offset} of {@code file}. */
  static synchronized void saw(long length, String file, long offset) {
    if (length > bytes) {
      bytes = length;
      where = String.format(Locale.ROOT, "at byte %,d of %s", offset, file);
    }
  }

  /** "40.0 MiB, at byte 588,895 of in.csv", or null if no long line was read. */
  public static synchronized String describe() {
    return bytes == 0
        ? null
        : String.format(Locale.ROOT, "%.1f MiB, %s", bytes / (double) (1 << 20), where);
  }
}
