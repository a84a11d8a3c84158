package dev.spillway.templates.aggregate;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.Arrays;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * The running aggregates of one group: its row count and, per numeric column, sum, min and max,
 * kept exactly as longs while every value was an integer and the sum fits, and as doubles beside.
 */
public final class Stats {
  long rows;
  final boolean[] exact;
  final long[] longSum;
  final long[] longMin;
  final long[] longMax;
  final double[] sum;
  final double[] min;
  final double[] max;

  Stats(int columns) {
    exact = new boolean[columns];
    longSum = new long[columns];
    longMin = new long[columns];
    longMax = new long[columns];
    sum = new double[columns];
    min = new double[columns];
    max = new double[columns];
    Arrays.fill(exact, true);
    Arrays.fill(longMin, Long.MAX_VALUE);
    Arrays.fill(longMax, Long.MIN_VALUE);
    Arrays.fill(min, Double.POSITIVE_INFINITY);
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
  }

  void add(Numbers n) {
    rows++;
    for (int i = 0; i < exact.length; i++) {
      double d = n.asDouble(i);
      sum[i] += d;
      min[i] = Math.min(min[i], d);
      max[i] = Math.max(max[i], d);
      if (exact[i]) {
        if (n.isIntegral(i)) {
          addExact(i, n.values[i], n.values[i], n.values[i]);
        } else {
          exact[i] = false;
        }
      }
    }
  }

  void merge(Stats other) {
    rows += other.rows;
    for (int i = 0; i < exact.length; i++) {
      sum[i] += other.sum[i];
      min[i] = Math.min(min[i], other.min[i]);
      max[i] = Math.max(max[i], other.max[i]);
      if (exact[i] && other.exact[i]) {
        addExact(i, other.longSum[i], other.longMin[i], other.longMax[i]);
      } else {
        exact[i] = false;
      }
    }
  }

  private void addExact(int i, long s, long lo, long hi) {
    long total = longSum[i] + s;
    if (((longSum[i] ^ total) & (s ^ total)) < 0) {
      exact[i] = false; // the sum left the long range: the double sum stands
      return;
    }
    longSum[i] = total;
    longMin[i] = Math.min(longMin[i], lo);
    longMax[i] = Math.max(longMax[i], hi);
  }

  /** The value of {@code a} for this group, as printed. */
  String format(Aggregate a) {
    int i = a.slot();
    switch (a.kind()) {
      case COUNT:
        return Long.toString(rows);
      case SUM:
        return exact[i] ? Long.toString(longSum[i]) : formatDouble(sum[i]);
      case MIN:
        return exact[i] ? Long.toString(longMin[i]) : formatDouble(min[i]);
      case MAX:
        return exact[i] ? Long.toString(longMax[i]) : formatDouble(max[i]);
      case MEAN:
        return formatDouble((exact[i] ? (double) longSum[i] : sum[i]) / rows);
      default:
        throw new AssertionError(a.kind());
    }
  }

  /** Plain digits for ordinary magnitudes ("2.5", "1000"), Java's notation past them. */
  static String formatDouble(double d) {
    double abs = Math.abs(d);
    if (abs != 0 && (abs >= 1e15 || abs < 1e-4)) {
      return Double.toString(d);
    }
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  /**
   * Coder: rows, then per column whether it is exact and either its long sum, min and max
   * (varints) or its double sum, min and max; the other three follow from these.
   */
  static final class StatsCoder extends CustomCoder<Stats> {
    private static final long serialVersionUID = 1L;
    private final int columns;

    StatsCoder(int columns) {
      this.columns = columns;
    }

    @Override
    public void encode(Stats s, OutputStream out) throws IOException {
      VarInt.encode(s.rows, out);
      if (s.rows == 0) {
        return;
      }
      for (int i = 0; i < columns; i++) {
        if (s.exact[i]) {
          out.write(1);
          VarInt.encode(s.longSum[i], out);
          VarInt.encode(s.longMin[i], out);
          VarInt.encode(s.longMax[i], out);
        } else {
          out.write(0);
          writeDouble(s.sum[i], out);
          writeDouble(s.min[i], out);
          writeDouble(s.max[i], out);
        }
      }
    }

    @Override
    public Stats decode(InputStream in) throws IOException {
      Stats s = new Stats(columns);
      s.rows = VarInt.decodeLong(in);
      if (s.rows == 0) {
        return s;
      }
      for (int i = 0; i < columns; i++) {
        int exact = in.read();
        if (exact < 0) {
          throw new EOFException("truncated Stats");
        }
        s.exact[i] = exact == 1;
        if (s.exact[i]) {
          s.longSum[i] = VarInt.decodeLong(in);
          s.longMin[i] = VarInt.decodeLong(in);
          s.longMax[i] = VarInt.decodeLong(in);
          s.sum[i] = s.longSum[i];
          s.min[i] = s.longMin[i];
          s.max[i] = s.longMax[i];
        } else {
          s.sum[i] = readDouble(in);
          s.min[i] = readDouble(in);
          s.max[i] = readDouble(in);
        }
      }
      return s;
    }

    private static void writeDouble(double d, OutputStream out) throws IOException {
      Fixed64.write(Double.doubleToRawLongBits(d), out);
    }

    private static double readDouble(InputStream in) throws IOException {
      return Double.longBitsToDouble(Fixed64.read(in));
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean equals(Object o) {
      return o instanceof StatsCoder && ((StatsCoder) o).columns == columns;
    }

    @Override
    public int hashCode() {
      return columns;
    }
  }
}
