package dev.spillway.templates.io;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads every input file from start to end in one thread, parsing each line: for steps that must
 * see the whole input themselves (each range of the sort job). Counts lines as it goes, so a bad
 * line is named by file and line number at once.
 */
public final class FileScanner<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What to do with a line the parser rejected, when bad lines are skipped. */
  @FunctionalInterface
  public interface BadLines {
    void skipped(String file, long line, String problem);
  }

  private final ArrayList<String> files;
  private final Csv csv;
  private final Header header;
  private final LineParser<T> parser;

  public FileScanner(List<String> files, Csv csv, Header header, LineParser<T> parser) {
    this.files = new ArrayList<>(files);
    this.csv = csv;
    this.header = header;
    this.parser = parser;
  }

  /**
   * Parses every line into {@code records}; a bad line goes to {@code bad}, or, if it is null,
   * fails with a {@link BadRecordException}.
   */
  public void scan(Consumer<T> records, BadLines bad) {
    InputLine input = new InputLine();
    for (int f = 0; f < files.size(); f++) {
      Path path = Paths.get(files.get(f));
      try (LineReader lines = LineReader.open(path)) {
        long number = 0;
        for (String text = lines.readLine(); text != null; text = lines.readLine()) {
          number++;
          String problem = null;
          if (number == 1 && header.present()) {
            problem = header.problemWithHeader(text);
          } else {
            try {
              input.set(csv, text, f, lines.lineStart());
              records.accept(parser.parse(input));
            } catch (MalformedLineException e) {
              problem = e.getMessage();
            }
          }
          if (problem != null) {
            if (bad == null) {
              throw new BadRecordException(path.toString(), number, problem);
            }
            bad.skipped(path.toString(), number, problem);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
      }
    }
  }
}
