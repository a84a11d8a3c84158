package dev.spillway.templates.aggregate;

import dev.spillway.templates.io.Header;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One output aggregate: {@code count}, or sum / min / max / mean of a numeric column. */
public final class Aggregate implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What is computed. */
  public enum Kind {
    COUNT,
    SUM,
    MIN,
    MAX,
    MEAN
  }

  private final Kind kind;
  private final String column;

  /** The index of the column among the job's numeric columns (not the input's). */
  private final int slot;

  private Aggregate(Kind kind, String column, int slot) {
    this.kind = kind;
    this.column = column;
    this.slot = slot;
  }

  public Kind kind() {
    return kind;
  }

  public String column() {
    return column;
  }

  int slot() {
    return slot;
  }

  /** The output header's name for it: {@code count}, {@code sum_price}. */
  public String outputName() {
    return kind == Kind.COUNT ? "count" : kind.name().toLowerCase(Locale.ROOT) + "_" + column;
  }

  /**
   * Parses {@code "sum:price,count,mean:price"}; the distinct numeric columns named, in order of
   * first mention, are added to {@code numericColumns} (input indices via {@code header}).
   */
  public static List<Aggregate> parseAll(String spec, Header header, List<Integer> numericColumns) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("--aggregate is empty; give e.g. sum:price,count");
    }
    List<String> columns = new ArrayList<>();
    List<Aggregate> out = new ArrayList<>();
    for (String part : spec.split(",")) {
      String p = part.trim();
      int colon = p.indexOf(':');
      String kindName = colon < 0 ? p : p.substring(0, colon);
      Kind kind;
      try {
        kind = Kind.valueOf(kindName.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown aggregate '"
                + kindName
                + "' in '"
                + spec
                + "'; known: count, sum:COL, min:COL, max:COL, mean:COL");
      }
      if (kind == Kind.COUNT) {
        if (colon >= 0) {
          throw new IllegalArgumentException("count takes no column, in '" + spec + "'");
        }
        out.add(new Aggregate(kind, null, -1));
        continue;
      }
      if (colon < 0 || colon == p.length() - 1) {
        throw new IllegalArgumentException(
            kindName + " needs a column, as " + kindName + ":COL, in '" + spec + "'");
      }
      String column = p.substring(colon + 1);
      int index = header.indexOf(column);
      int slot = columns.indexOf(column);
      if (slot < 0) {
        slot = columns.size();
        columns.add(column);
        numericColumns.add(index);
      }
      out.add(new Aggregate(kind, column, slot));
    }
    if (columns.size() > Numbers.MAX_COLUMNS) {
      throw new IllegalArgumentException("at most " + Numbers.MAX_COLUMNS + " numeric columns");
    }
    return out;
  }
}
