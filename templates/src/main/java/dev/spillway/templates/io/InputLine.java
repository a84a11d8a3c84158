package dev.spillway.templates.io;

/**
 * One line of input as a parser sees it: its fields, its text, and where it came from (the index of
 * its file among the job's inputs and its byte offset), which the sort job uses to keep equal keys
 * in input order.
 */
public final class InputLine {
  private String[] fields;
  private String text;
  private int fileIndex;
  private long offset;

  void set(String[] fields, String text, int fileIndex, long offset) {
    this.fields = fields;
    this.text = text;
    this.fileIndex = fileIndex;
    this.offset = offset;
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
    if (index >= fields.length) {
      throw new MalformedLineException(
          "missing column '"
              + column
              + "' (the line has "
              + fields.length
              + (fields.length == 1 ? " field)" : " fields)"));
    }
    return fields[index];
  }
}
