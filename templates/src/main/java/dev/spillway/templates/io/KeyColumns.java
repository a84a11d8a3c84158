package dev.spillway.templates.io;

import java.io.Serializable;

/**
 * The columns that make a line's key (group-by or key columns), and the key as it will be printed:
 * the fields joined by the output delimiter, each quoted if it must be, so that lines are grouped
 * by the exact text of their key.
 */
public final class KeyColumns implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] indices;
  private final String[] names;
  private final Csv out;

  public KeyColumns(int[] indices, Header header, Csv out) {
    this.indices = indices.clone();
    this.names = new String[indices.length];
    for (int i = 0; i < indices.length; i++) {
      names[i] = header.nameOf(indices[i]);
    }
    this.out = out;
  }

  /** The key of {@code line}; a missing column is a {@link MalformedLineException}. */
  public String of(InputLine line) {
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < indices.length; i++) {
      if (i > 0) {
        key.append(out.delimiter());
      }
      out.appendField(key, line.field(indices[i], names[i]));
    }
    return key.toString();
  }
}
