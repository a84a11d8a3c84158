package dev.spillway.templates.io;

import java.util.Arrays;

/**
 * One line of input as a parser sees it: its fields, its text, and where it came from (the index of
 * its file among the job's inputs and its byte offset), which the sort job uses to keep equal keys
 * in input order.
 *
 * <p>A line without quotes is split on demand: only the fields a parser asks for are copied out of
 * the text, so a job reading three columns of fifteen makes three strings a line, not fifteen, and
 * a long field no one reads is never copied. A line with quotes is split whole as it is set, as
 * unquoting a field needs every field before it, and so that a broken quote anywhere fails the line
 * whatever columns the job reads.
 */
public final class InputLine {
  private Csv csv;
  private String text;
  private int fileIndex;
  private long offset;

  /** The fields of a line with quotes; null for a plain line. */
  private String[] quoted;

  /** A plain line's field ends (the offsets of its delimiters, then its length). */
  private int[] ends = new int[16];

  /** How many fields of a plain line {@link #ends} holds; -1 until they are found. */
  private int fieldCount;

  /**
   * Takes {@code text} as the current line; throws {@link MalformedLineException} on a broken
   * quote.
   */
  void set(Csv csv, String text, int fileIndex, long offset) {
    this.csv = csv;
    this.text = text;
    this.fileIndex = fileIndex;
    this.offset = offset;
    this.quoted = csv.isPlain(text) ? null : csv.split(text);
    this.fieldCount = -1;
  }

  public String text() {
    return text;
  }

  public int fileIndex() {
    return fileIndex;
  }

  public long offset() {
    return offset;
  }

  /** Field {@code index}, or a {@link MalformedLineException} naming {@code column}. */
  public String field(int index, String column) {
    if (quoted != null) {
      checkIndex(index, quoted.length, column);
      return quoted[index];
    }
    if (fieldCount < 0) {
      findFieldEnds();
    }
    checkIndex(index, fieldCount, column);
    return text.substring(index == 0 ? 0 : ends[index - 1] + 1, ends[index]);
  }

  private void findFieldEnds() {
    char delimiter = csv.delimiter();
    int count = 0;
    for (int at = text.indexOf(delimiter); ; at = text.indexOf(delimiter, at + 1)) {
      if (count == ends.length) {
        ends = Arrays.copyOf(ends, count * 2);
      }
      if (at < 0) {
        ends[count++] = text.length();
        break;
      }
      ends[count++] = at;
    }
    fieldCount = count;
  }

  private static void checkIndex(int index, int fields, String column) {
    if (index >= fields) {
      throw new MalformedLineException(
          "missing column '"
              + column
              + "' (the line has "
              + fields
              + (fields == 1 ? " field)" : " fields)"));
    }
  }
}
