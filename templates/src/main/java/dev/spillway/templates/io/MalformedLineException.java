package dev.spillway.templates.io;

/**
 * What is wrong with one input line (a broken quote, a missing column, a value that is not a
 * number); the reader adds the file and line number and turns it into a {@link BadRecordException}.
 */
public class MalformedLineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MalformedLineException(String message) {
    super(message, null, false, false);
  }
}
