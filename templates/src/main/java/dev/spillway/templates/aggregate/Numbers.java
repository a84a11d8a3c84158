package dev.spillway.templates.aggregate;

import dev.spillway.templates.io.MalformedLineException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * The numeric columns of one input line. A number written in plain decimal notation that fits a
 * {@code long} once its point is dropped ({@code 12}, {@code -0.50}, up to 19 digits) is kept
 * exactly, as its unscaled value and its scale ({@code -0.50}: -50 and 2), so that sums are exact
 * and print as written; anything else ({@code 1e3}, more digits) as a {@code double}. An empty
 * field is a null, which the aggregates skip (as SQL's do).
 */
public final class Numbers {
  static final int MAX_COLUMNS = 64;

  /** {@link #scales} of a null. */
  static final byte NULL = -1;

  /** {@link #scales} of a double, whose bits are the value. */
  static final byte DOUBLE = -2;

  /** Per column: the scale of an exact value (0..19), or {@link #NULL} or {@link #DOUBLE}. */
  final byte[] scales;

  /** Per column: the unscaled value, or a double's bits. */
  final long[] values;

  Numbers(byte[] scales, long[] values) {
    this.scales = scales;
    this.values = values;
  }

  /** Parses {@code texts[i]} of {@code columns[i]}; a value that is not a number is an error. */
  static Numbers parse(String[] texts, String[] columns) {
    byte[] scales = new byte[texts.length];
    long[] values = new long[texts.length];
    for (int i = 0; i < texts.length; i++) {
      String t = texts[i].trim();
      if (t.isEmpty()) {
        scales[i] = NULL;
      } else if (!parseExact(t, i, scales, values)) {
        scales[i] = DOUBLE;
        values[i] = Double.doubleToRawLongBits(parseDouble(t, columns[i]));
      }
    }
    return new Numbers(scales, values);
  }

  /** Reads plain decimal notation into {@code values[i]} and {@code scales[i]} if it fits. */
  private static boolean parseExact(String t, int i, byte[] scales, long[] values) {
    int start = t.charAt(0) == '-' || t.charAt(0) == '+' ? 1 : 0;
    boolean negative = t.charAt(0) == '-';
    long unscaled = 0;
    int digits = 0;
    int scale = -1;
    for (int p = start; p < t.length(); p++) {
      char c = t.charAt(p);
      if (c == '.' && scale < 0) {
        scale = 0;
        continue;
      }
      if (c < '0' || c > '9') {
        return false;
      }
      int d = c - '0';
      // Accumulated negative, whose range holds Long.MIN_VALUE.
      if (unscaled < (Long.MIN_VALUE + d) / 10) {
        return false; // too many digits for a long: a double
      }
      unscaled = unscaled * 10 - d;
      digits++;
      if (scale >= 0) {
        scale++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (!negative) {
      if (unscaled == Long.MIN_VALUE) {
        return false;
      }
      unscaled = -unscaled;
    }
    values[i] = unscaled;
    scales[i] = (byte) Math.max(scale, 0);
    return true;
  }

  private static double parseDouble(String t, String column) {
    char last = t.charAt(t.length() - 1);
    // Java also reads "1d", "0x1p3", "NaN" and "Infinity": none is a number in a data file.
    boolean plain = (last >= '0' && last <= '9') || last == '.';
    for (int i = 0; plain && i < t.length(); i++) {
      char c = t.charAt(i);
      plain = (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
    }
    if (plain) {
      try {
        double d = Double.parseDouble(t);
        if (Double.isFinite(d)) {
          return d;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new MalformedLineException("column '" + column + "' is not a number: '" + t + "'");
  }

  /** The coder of rows with {@code columns} numeric columns. */
  public static CustomCoder<Numbers> coder(int columns) {
    return new NumbersCoder(columns);
  }

  /** Coder: per column its scale byte, then a varint (exact) or 8 bytes (double) or nothing. */
  static final class NumbersCoder extends CustomCoder<Numbers> {
    private static final long serialVersionUID = 1L;
    private final int columns;

    NumbersCoder(int columns) {
      this.columns = columns;
    }

    @Override
    public void encode(Numbers n, OutputStream out) throws IOException {
      for (int i = 0; i < columns; i++) {
        out.write(n.scales[i]);
        if (n.scales[i] >= 0) {
          VarInt.encode(n.values[i], out);
        } else if (n.scales[i] == DOUBLE) {
          Fixed64.write(n.values[i], out);
        }
      }
    }

    @Override
    public Numbers decode(InputStream in) throws IOException {
      byte[] scales = new byte[columns];
      long[] values = new long[columns];
      for (int i = 0; i < columns; i++) {
        int s = in.read();
        if (s < 0) {
          throw new EOFException("truncated Numbers");
        }
        scales[i] = (byte) s;
        if (scales[i] >= 0) {
          values[i] = VarInt.decodeLong(in);
        } else if (scales[i] == DOUBLE) {
          values[i] = Fixed64.read(in);
        }
      }
      return new Numbers(scales, values);
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean equals(Object o) {
      return o instanceof NumbersCoder && ((NumbersCoder) o).columns == columns;
    }

    @Override
    public int hashCode() {
      return columns;
    }
  }
}
