package dev.spillway.templates.io;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of delimited text (CSV or TSV) split into fields and joined back: fields may be quoted
 * with {@code "} and a quote inside a quoted field is doubled (RFC 4180), but a field may not span
 * lines.
 */
public final class Csv implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final char QUOTE = '"';

  private final char delimiter;

  public Csv(char delimiter) {
    if (delimiter == QUOTE || delimiter == '\n' || delimiter == '\r') {
      throw new IllegalArgumentException("a delimiter cannot be a quote or a line break");
    }
    this.delimiter = delimiter;
  }

  /** Comma, or tab for a {@code .tsv} file, unless {@code spec} names one ("tab" or one char). */
  public static Csv forSpec(String spec, String firstInput) {
    if (spec == null || spec.isEmpty() || spec.equals("auto")) {
      return new Csv(firstInput != null && firstInput.endsWith(".tsv") ? '\t' : ',');
    }
    if (spec.equals("tab") || spec.equals("\\t")) {
      return new Csv('\t');
    }
    if (spec.length() != 1) {
      throw new IllegalArgumentException(
          "a delimiter is one character, \"tab\" or \"auto\", was \"" + spec + "\"");
    }
    return new Csv(spec.charAt(0));
  }

  public char delimiter() {
    return delimiter;
  }

  /** Whether {@code line} holds no quote, so that its fields are the text between delimiters. */
  public boolean isPlain(String line) {
    return line.indexOf(QUOTE) < 0;
  }

  /** The fields of {@code line}; throws {@link MalformedLineException} on a broken quote. */
  public String[] split(String line) {
    if (isPlain(line)) {
      return splitPlain(line);
    }
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    int n = line.length();
    while (true) {
      field.setLength(0);
      if (i < n && line.charAt(i) == QUOTE) {
        i++;
        while (true) {
          if (i >= n) {
            throw new MalformedLineException("a quoted field is not closed");
          }
          char c = line.charAt(i++);
          if (c != QUOTE) {
            field.append(c);
          } else if (i < n && line.charAt(i) == QUOTE) {
            field.append(QUOTE);
            i++;
          } else {
            break;
          }
        }
        if (i < n && line.charAt(i) != delimiter) {
          throw new MalformedLineException(
              "unexpected '" + line.charAt(i) + "' after a quoted field at column " + (i + 1));
        }
      } else {
        while (i < n && line.charAt(i) != delimiter) {
          char c = line.charAt(i++);
          if (c == QUOTE) {
            throw new MalformedLineException("a quote inside an unquoted field at column " + i);
          }
          field.append(c);
        }
      }
      fields.add(field.toString());
      if (i >= n) {
        return fields.toArray(new String[0]);
      }
      i++; // the delimiter
    }
  }

  private String[] splitPlain(String line) {
    int count = 1;
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == delimiter) {
        count++;
      }
    }
    String[] fields = new String[count];
    int start = 0;
    for (int f = 0; f < count - 1; f++) {
      int end = line.indexOf(delimiter, start);
      fields[f] = line.substring(start, end);
      start = end + 1;
    }
    fields[count - 1] = line.substring(start);
    return fields;
  }

  /** Appends {@code field} to {@code out}, quoted if it holds a delimiter, quote or line break. */
  public StringBuilder appendField(StringBuilder out, String field) {
    boolean quote = false;
    for (int i = 0; i < field.length() && !quote; i++) {
      char c = field.charAt(i);
      quote = c == delimiter || c == QUOTE || c == '\n' || c == '\r';
    }
    if (!quote) {
      return out.append(field);
    }
    out.append(QUOTE);
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == QUOTE) {
        out.append(QUOTE);
      }
      out.append(c);
    }
    return out.append(QUOTE);
  }

  /** The fields joined into one line. */
  public String join(List<String> fields) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.append(delimiter);
      }
      appendField(out, fields.get(i));
    }
    return out.toString();
  }
}
