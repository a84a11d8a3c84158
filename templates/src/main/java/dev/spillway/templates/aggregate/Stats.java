package dev.spillway.templates.aggregate;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.Arrays;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * The running aggregates of one group: its row count and, per numeric column, the count of its
 * non-null values and their sum, min and max. While every value of a column was exact (plain
 * decimal notation, see {@link Numbers}) they are exact: the sum as an unscaled {@code long} at the
 * largest scale seen, or a {@link BigDecimal} once that overflows, so that the result is the same
 * whatever order the runner adds and merges in, and prints as written ({@code 1.50 + 2.25} is
 * {@code 3.75}). A column with a value in exponent notation, or with more digits than a long holds,
 * is summed as doubles.
 */
public final class Stats {
  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  long rows;

  /** Per column: its non-null values. */
  final long[] count;

  /** Per column: whether a double was among its values. */
  final boolean[] inexact;

  final double[] doubleSum;
  final double[] doubleMin;
  final double[] doubleMax;

  /** Per column, while exact: the sum, unscaled at {@link #sumScale}, unless in {@link #bigSum}. */
  final long[] sum;

  final int[] sumScale;
  final BigDecimal[] bigSum;
  final long[] minUnscaled;
  final byte[] minScale;
  final long[] maxUnscaled;
  final byte[] maxScale;

  /** Bit i: column i has seen an exact value, so its exact min and max are set. */
  private long exactBounds;

  Stats(int columns) {
    count = new long[columns];
    inexact = new boolean[columns];
    doubleSum = new double[columns];
    doubleMin = new double[columns];
    doubleMax = new double[columns];
    sum = new long[columns];
    sumScale = new int[columns];
    bigSum = new BigDecimal[columns];
    minUnscaled = new long[columns];
    minScale = new byte[columns];
    maxUnscaled = new long[columns];
    maxScale = new byte[columns];
    Arrays.fill(doubleMin, Double.POSITIVE_INFINITY);
    Arrays.fill(doubleMax, Double.NEGATIVE_INFINITY);
  }

  void add(Numbers n) {
    rows++;
    for (int i = 0; i < count.length; i++) {
      byte scale = n.scales[i];
      if (scale == Numbers.NULL) {
        continue;
      }
      if (scale == Numbers.DOUBLE) {
        inexact[i] = true;
        addDouble(i, Double.longBitsToDouble(n.values[i]));
        count[i]++;
        continue;
      }
      long u = n.values[i];
      addDouble(i, toDouble(u, scale));
      addExact(i, u, scale);
      minMax(i, u, scale, u, scale);
      count[i]++;
    }
  }

  void merge(Stats other) {
    rows += other.rows;
    for (int i = 0; i < count.length; i++) {
      if (other.count[i] == 0) {
        continue;
      }
      doubleSum[i] += other.doubleSum[i];
      doubleMin[i] = Math.min(doubleMin[i], other.doubleMin[i]);
      doubleMax[i] = Math.max(doubleMax[i], other.doubleMax[i]);
      count[i] += other.count[i];
      if (other.inexact[i]) {
        inexact[i] = true; // its exact figures are not kept: the doubles stand from here on
        continue;
      }
      if (other.bigSum[i] != null) {
        bigSum[i] = exactSum(i).add(other.bigSum[i]);
      } else {
        addExact(i, other.sum[i], other.sumScale[i]);
      }
      minMax(i, other.minUnscaled[i], other.minScale[i], other.maxUnscaled[i], other.maxScale[i]);
    }
  }

  private void addDouble(int i, double d) {
    doubleSum[i] += d;
    doubleMin[i] = Math.min(doubleMin[i], d);
    doubleMax[i] = Math.max(doubleMax[i], d);
  }

  private void addExact(int i, long u, int scale) {
    if (bigSum[i] == null) {
      int target = Math.max(sumScale[i], scale);
      long a = rescale(sum[i], target - sumScale[i]);
      long b = rescale(u, target - scale);
      if (a != OVERFLOW && b != OVERFLOW) {
        long total = a + b;
        if (((a ^ total) & (b ^ total)) >= 0) {
          sum[i] = total;
          sumScale[i] = target;
          return;
        }
      }
      bigSum[i] = BigDecimal.valueOf(sum[i], sumScale[i]);
    }
    bigSum[i] = bigSum[i].add(BigDecimal.valueOf(u, scale));
  }

  /** Min and max of exact values; a column's first exact value sets both. */
  private void minMax(int i, long lowU, int lowS, long highU, int highS) {
    if (!hasExactBounds(i)) {
      minUnscaled[i] = lowU;
      minScale[i] = (byte) lowS;
      maxUnscaled[i] = highU;
      maxScale[i] = (byte) highS;
      exactBounds |= 1L << i;
      return;
    }
    if (compare(lowU, lowS, minUnscaled[i], minScale[i]) < 0) {
      minUnscaled[i] = lowU;
      minScale[i] = (byte) lowS;
    }
    if (compare(highU, highS, maxUnscaled[i], maxScale[i]) > 0) {
      maxUnscaled[i] = highU;
      maxScale[i] = (byte) highS;
    }
  }

  private boolean hasExactBounds(int i) {
    return (exactBounds & (1L << i)) != 0;
  }

  private BigDecimal exactSum(int i) {
    return bigSum[i] != null ? bigSum[i] : BigDecimal.valueOf(sum[i], sumScale[i]);
  }

  private static final long OVERFLOW = Long.MIN_VALUE;

  /** {@code u * 10^by}, or {@link #OVERFLOW}. */
  private static long rescale(long u, int by) {
    if (by == 0 || u == 0) {
      return u;
    }
    if (by >= POW10.length) {
      return OVERFLOW;
    }
    long p = POW10[by];
    long high = Math.multiplyHigh(u, p);
    long low = u * p;
    return (high == 0 && low >= 0) || (high == -1 && low < 0)
        ? (low == OVERFLOW ? OVERFLOW : low)
        : OVERFLOW;
  }

  static int compare(long u1, int s1, long u2, int s2) {
    if (s1 == s2) {
      return Long.compare(u1, u2);
    }
    long a = rescale(u1, Math.max(s1, s2) - s1);
    long b = rescale(u2, Math.max(s1, s2) - s2);
    if (a != OVERFLOW && b != OVERFLOW) {
      return Long.compare(a, b);
    }
    return BigDecimal.valueOf(u1, s1).compareTo(BigDecimal.valueOf(u2, s2));
  }

  private static double toDouble(long u, int scale) {
    return scale == 0
        ? u
        : scale < POW10.length
            ? (double) u / POW10[scale]
            : BigDecimal.valueOf(u, scale).doubleValue();
  }

  /** The value of {@code a} for this group, as printed; empty for a column of nulls only. */
  String format(Aggregate a) {
    if (a.kind() == Aggregate.Kind.COUNT) {
      return Long.toString(rows);
    }
    int i = a.slot();
    if (count[i] == 0) {
      return ""; // SQL's NULL: no value to sum, compare or average
    }
    boolean exact = !inexact[i];
    switch (a.kind()) {
      case SUM:
        return exact ? exactSum(i).toPlainString() : formatDouble(doubleSum[i]);
      case MIN:
        return exact
            ? BigDecimal.valueOf(minUnscaled[i], minScale[i]).toPlainString()
            : formatDouble(doubleMin[i]);
      case MAX:
        return exact
            ? BigDecimal.valueOf(maxUnscaled[i], maxScale[i]).toPlainString()
            : formatDouble(doubleMax[i]);
      case MEAN:
        return exact
            ? exactSum(i)
                .divide(BigDecimal.valueOf(count[i]), MathContext.DECIMAL64)
                .stripTrailingZeros()
                .toPlainString()
            : formatDouble(doubleSum[i] / count[i]);
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
   * Coder: rows, then per column its count and, if any: whether it is inexact; the double sum, min
   * and max if so, else the exact sum (a long and its scale, or a big decimal's scale and bytes)
   * and the exact min and max (each a long and its scale).
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
      for (int i = 0; i < columns; i++) {
        VarInt.encode(s.count[i], out);
        if (s.count[i] == 0) {
          continue;
        }
        if (s.inexact[i]) {
          out.write(0);
          Fixed64.write(Double.doubleToRawLongBits(s.doubleSum[i]), out);
          Fixed64.write(Double.doubleToRawLongBits(s.doubleMin[i]), out);
          Fixed64.write(Double.doubleToRawLongBits(s.doubleMax[i]), out);
          continue;
        }
        if (s.bigSum[i] == null) {
          out.write(1);
          VarInt.encode(s.sum[i], out);
          VarInt.encode(s.sumScale[i], out);
        } else {
          out.write(2);
          VarInt.encode(s.bigSum[i].scale(), out);
          byte[] unscaled = s.bigSum[i].unscaledValue().toByteArray();
          VarInt.encode(unscaled.length, out);
          out.write(unscaled);
        }
        VarInt.encode(s.minUnscaled[i], out);
        out.write(s.minScale[i]);
        VarInt.encode(s.maxUnscaled[i], out);
        out.write(s.maxScale[i]);
      }
    }

    @Override
    public Stats decode(InputStream in) throws IOException {
      Stats s = new Stats(columns);
      s.rows = VarInt.decodeLong(in);
      for (int i = 0; i < columns; i++) {
        s.count[i] = VarInt.decodeLong(in);
        if (s.count[i] == 0) {
          continue;
        }
        int kind = readByte(in);
        if (kind == 0) {
          s.inexact[i] = true;
          s.doubleSum[i] = Double.longBitsToDouble(Fixed64.read(in));
          s.doubleMin[i] = Double.longBitsToDouble(Fixed64.read(in));
          s.doubleMax[i] = Double.longBitsToDouble(Fixed64.read(in));
          continue;
        }
        if (kind == 1) {
          s.sum[i] = VarInt.decodeLong(in);
          s.sumScale[i] = VarInt.decodeInt(in);
        } else {
          int scale = VarInt.decodeInt(in);
          byte[] unscaled = new byte[VarInt.decodeInt(in)];
          if (in.readNBytes(unscaled, 0, unscaled.length) != unscaled.length) {
            throw new EOFException("truncated Stats");
          }
          s.bigSum[i] = new BigDecimal(new BigInteger(unscaled), scale);
        }
        s.minUnscaled[i] = VarInt.decodeLong(in);
        s.minScale[i] = (byte) readByte(in);
        s.maxUnscaled[i] = VarInt.decodeLong(in);
        s.maxScale[i] = (byte) readByte(in);
        s.exactBounds |= 1L << i;
        // The doubles of exact values, for a merge with a column that turns out inexact.
        s.doubleSum[i] = s.exactSum(i).doubleValue();
        s.doubleMin[i] = toDouble(s.minUnscaled[i], s.minScale[i]);
        s.doubleMax[i] = toDouble(s.maxUnscaled[i], s.maxScale[i]);
      }
      return s;
    }

    private static int readByte(InputStream in) throws IOException {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("truncated Stats");
      }
      return b;
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
