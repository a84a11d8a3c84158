package dev.spillway.templates.io;

import java.io.Serializable;
import java.util.List;

/**
 * The column names of the input: from its header line, or "1", "2", ... when it has none. A column
 * is named by its header name or, failing that, by its 1-based number.
 */
public final class Header implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> names;

  /** The header line as it appears in every input file, or null when the input has none. */
  private final String line;

  private Header(List<String> names, String line) {
    this.names = names;
    this.line = line;
  }

  public static Header fromLine(Csv csv, String line) {
    return new Header(List.of(csv.split(line)), line);
  }

  /** No header line; {@code columns} columns, counted on the first line. */
  public static Header numbered(int columns) {
    String[] names = new String[columns];
    for (int i = 0; i < columns; i++) {
      names[i] = Integer.toString(i + 1);
    }
    return new Header(List.of(names), null);
  }

  public boolean present() {
    return line != null;
  }

  public String line() {
    return line;
  }

  public List<String> names() {
    return names;
  }

  /** The index of {@code column}, or an {@link IllegalArgumentException} listing the columns. */
  public int indexOf(String column) {
    int i = names.indexOf(column);
    if (i >= 0) {
      return i;
    }
    try {
      int n = Integer.parseInt(column);
      if (n >= 1) {
        return n - 1; // a line shorter than that is reported as a missing column
      }
    } catch (NumberFormatException ignored) {
      // not a number: unknown
    }
    throw new IllegalArgumentException(
        "no column '"
            + column
            + "' in the input; "
            + (present() ? "its header has " + names : "it has no header: name columns 1, 2, ..."));
  }

  /**
   * What is wrong with {@code firstLine} as a file's header line (every file must repeat the first
   * input's), or null if nothing is.
   */
  public String problemWithHeader(String firstLine) {
    return firstLine.equals(line)
        ? null
        : "the header differs from the first input's: \""
            + firstLine
            + "\" is not \""
            + line
            + "\"";
  }

  /** The name a column is printed with in an output header. */
  public String nameOf(int index) {
    return index < names.size() ? names.get(index) : Integer.toString(index + 1);
  }
}
