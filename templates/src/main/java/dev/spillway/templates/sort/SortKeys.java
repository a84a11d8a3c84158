package dev.spillway.templates.sort;

import dev.spillway.spill.ByteSink;
import dev.spillway.templates.io.MalformedLineException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * Sort keys as bytes whose unsigned order is the wanted order, followed by the line's position
 * (file index, byte offset), so equal keys keep their input order and the output is the same on
 * every run and runner.
 *
 * <ul>
 *   <li>number: 8 bytes of the value as an order-preserving double, then 8 bytes of it as an
 *       order-preserving long, so integers beyond 2^53 that share a double still sort exactly;
 *   <li>text: its UTF-8 bytes (code point order) with 0x00 escaped as 0x00 0xFF and ended by 0x00
 *       0x00, so no key is a prefix of another and the position can follow;
 *   <li>descending: the key bytes complemented (the position is not, to keep input order).
 * </ul>
 */
public final class SortKeys implements Serializable {
  private static final long serialVersionUID = 1L;

  private final boolean numeric;
  private final boolean descending;
  private final String column;

  public SortKeys(boolean numeric, boolean descending, String column) {
    this.numeric = numeric;
    this.descending = descending;
    this.column = column;
  }

  /** The sort key of {@code field}, at {@code (fileIndex, offset)}. */
  public byte[] encode(String field, int fileIndex, long offset) {
    ByteSink sink = new ByteSink();
    if (numeric) {
      encodeNumber(field.trim(), sink);
    } else {
      encodeText(field, sink);
    }
    if (descending) {
      byte[] a = sink.array();
      for (int i = 0; i < sink.length(); i++) {
        a[i] = (byte) ~a[i];
      }
    }
    putLong(sink, fileIndex, 4); // both non-negative: unsigned order is their order
    putLong(sink, offset, 8);
    return sink.toByteArray();
  }

  private void encodeNumber(String text, ByteSink sink) {
    double d;
    long exact;
    try {
      exact = Long.parseLong(text);
      d = exact;
    } catch (NumberFormatException notLong) {
      try {
        d = Double.parseDouble(text);
      } catch (NumberFormatException e) {
        throw new MalformedLineException("column '" + column + "' is not a number: '" + text + "'");
      }
      if (Double.isNaN(d)
          || text.endsWith("d")
          || text.endsWith("f")
          || text.endsWith("D")
          || text.endsWith("F")) {
        throw new MalformedLineException("column '" + column + "' is not a number: '" + text + "'");
      }
      exact = d >= 0x1p63 ? Long.MAX_VALUE : d <= -0x1p63 ? Long.MIN_VALUE : (long) d;
    }
    long bits = Double.doubleToLongBits(d + 0.0); // -0.0 sorts as 0.0
    putLong(sink, bits < 0 ? ~bits : bits ^ Long.MIN_VALUE, 8);
    putLong(sink, exact ^ Long.MIN_VALUE, 8);
  }

  private static void encodeText(String text, ByteSink sink) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    for (byte b : utf8) {
      sink.write(b);
      if (b == 0) {
        sink.write(0xFF);
      }
    }
    sink.write(0);
    sink.write(0);
  }

  /** The low {@code bytes} bytes of {@code v}, most significant first. */
  private static void putLong(ByteSink sink, long v, int bytes) {
    for (int i = bytes - 1; i >= 0; i--) {
      sink.write((int) (v >>> (8 * i)));
    }
  }
}
