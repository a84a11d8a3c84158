package dev.spillway.templates.aggregate;

import dev.spillway.templates.io.MalformedLineException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * The numeric columns of one input line. An integer is kept as a {@code long}, exactly, anything
 * else as a {@code double}, so sums of integers never lose a digit.
 */
public final class Numbers {
  static final int MAX_COLUMNS = 64;

  /** Bit i set: value i is an integer ({@code values[i]}), else double bits. */
  final long integral;
  final long[] values;

  Numbers(long integral, long[] values) {
    this.integral = integral;
    this.values = values;
  }

  boolean isIntegral(int i) {
    return (integral & (1L << i)) != 0;
  }

  double asDouble(int i) {
    return isIntegral(i) ? values[i] : Double.longBitsToDouble(values[i]);
  }

  /** Parses {@code texts[i]} of {@code columns[i]}; a value that is not a number is an error. */
  static Numbers parse(String[] texts, String[] columns) {
    long integral = 0;
    long[] values = new long[texts.length];
    for (int i = 0; i < texts.length; i++) {
      String t = texts[i].trim();
      if (looksIntegral(t)) {
        try {
          values[i] = Long.parseLong(t);
          integral |= 1L << i;
          continue;
        } catch (NumberFormatException tooLong) {
          // beyond a long: read it as a double below
        }
      }
      values[i] = Double.doubleToRawLongBits(parseDouble(t, columns[i]));
    }
    return new Numbers(integral, values);
  }

  private static boolean looksIntegral(String t) {
    int start = t.startsWith("-") || t.startsWith("+") ? 1 : 0;
    if (t.length() == start || t.length() > 19 + start) {
      return false;
    }
    for (int i = start; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static double parseDouble(String t, String column) {
    char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
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

  /** Coder: the integral mask, then each value as a varint (integer) or 8 bytes (double). */
  static final class NumbersCoder extends CustomCoder<Numbers> {
    private static final long serialVersionUID = 1L;
    private final int columns;

    NumbersCoder(int columns) {
      this.columns = columns;
    }

    @Override
    public void encode(Numbers n, OutputStream out) throws IOException {
      VarInt.encode(n.integral, out);
      for (int i = 0; i < columns; i++) {
        if (n.isIntegral(i)) {
          VarInt.encode(n.values[i], out);
        } else {
          Fixed64.write(n.values[i], out);
        }
      }
    }

    @Override
    public Numbers decode(InputStream in) throws IOException {
      long integral = VarInt.decodeLong(in);
      long[] values = new long[columns];
      for (int i = 0; i < columns; i++) {
        if ((integral & (1L << i)) != 0) {
          values[i] = VarInt.decodeLong(in);
        } else {
          values[i] = Fixed64.read(in);
        }
      }
      return new Numbers(integral, values);
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
