package dev.spillway.templates.io;

/** An input line that cannot be read, with its file and 1-based line number. */
public final class BadRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final long line;

  public BadRecordException(String file, long line, String problem) {
    super(file + ":" + line + ": " + problem);
    this.file = file;
    this.line = line;
  }

  public String file() {
    return file;
  }

  public long line() {
    return line;
  }
}
