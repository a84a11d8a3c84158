package dev.spillway.transforms;

import java.util.Locale;

/** Reads a size such as {@code 64m}, {@code 2g}, {@code 512k} or a plain number of bytes. */
public final class MemorySize {
  private MemorySize() {}

  /**
   * Bytes of a positive size written as a number with an optional {@code k}, {@code m}, {@code g}
   * or {@code t} (binary units, an optional trailing {@code b}): {@code 512m}; an {@link
   * IllegalArgumentException} names what does not parse.
   */
  public static long parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (t.endsWith("b") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
      t = t.substring(0, t.length() - 1); // "64mb"
    }
    int shift = 0;
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 'k':
          shift = 10;
          break;
        case 'm':
          shift = 20;
          break;
        case 'g':
          shift = 30;
          break;
        case 't':
          shift = 40;
          break;
        default:
          break;
      }
    }
    String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
    try {
      long n = Long.parseLong(digits);
      if (n > 0 && n <= (Long.MAX_VALUE >> shift)) {
        return n << shift;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "not a memory size: '" + text + "' (use bytes or a number with k, m or g, e.g. 64m)");
  }
}
