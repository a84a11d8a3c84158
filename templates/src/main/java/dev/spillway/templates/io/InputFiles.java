package dev.spillway.templates.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The files an input specification names: comma-separated entries, each a file, a directory (its
 * regular, non-hidden files) or a glob in its last path element ({@code data/part-*.csv}). Every
 * entry must match at least one readable file, so a typo fails before the job starts.
 */
public final class InputFiles {
  private InputFiles() {}

  public static List<String> expand(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("no input given");
    }
    List<String> files = new ArrayList<>();
    for (String entry : spec.split(",")) {
      String e = entry.trim();
      if (!e.isEmpty()) {
        files.addAll(expandOne(e));
      }
    }
    return files;
  }

  private static List<String> expandOne(String entry) {
    Path path = Paths.get(entry);
    String last = path.getFileName() == null ? "" : path.getFileName().toString();
    if (last.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{')) {
      Path dir = path.getParent() == null ? Paths.get(".") : path.getParent();
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(
            "input " + entry + ": directory " + dir + " does not exist");
      }
      List<String> out = new ArrayList<>();
      try (DirectoryStream<Path> matches = Files.newDirectoryStream(dir, last)) {
        for (Path p : matches) {
          if (Files.isRegularFile(p)) {
            out.add(checkReadable(p));
          }
        }
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot list " + dir + ": " + ex.getMessage(), ex);
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException("input " + entry + " matches no file");
      }
      out.sort(null);
      return out;
    }
    if (Files.isDirectory(path)) {
      try (Stream<Path> list = Files.list(path)) {
        List<String> out =
            list.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().startsWith("."))
                .map(InputFiles::checkReadable)
                .sorted()
                .collect(Collectors.toList());
        if (out.isEmpty()) {
          throw new IllegalArgumentException("input directory " + entry + " has no files");
        }
        return out;
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot list " + path + ": " + ex.getMessage(), ex);
      }
    }
    if (!Files.exists(path)) {
      throw new IllegalArgumentException("input file " + entry + " does not exist");
    }
    return List.of(checkReadable(path));
  }

  private static String checkReadable(Path p) {
    if (!Files.isReadable(p)) {
      throw new IllegalArgumentException("input file " + p + " is not readable");
    }
    return p.toAbsolutePath().normalize().toString();
  }

  /**
   * The first line of every file, in order (null for an empty file), each file opened once. Refuses
   * an input that is not text: a first line holding a NUL byte (an archive, an image, a UTF-16
   * file) or bytes that are not UTF-8. Checked before any work, so that such a file is a set-up
   * mistake named as such rather than a bad line deep in a job; a NUL inside a later field is data
   * (CSV allows it).
   */
  public static List<String> firstLines(List<String> files) {
    List<String> lines = new ArrayList<>(files.size());
    for (String f : files) {
      try (LineReader r = LineReader.open(Paths.get(f))) {
        String line = r.readLine();
        if (line != null) {
          int nul = line.indexOf('\u0000');
          if (nul >= 0 || (line.indexOf('\uFFFD') >= 0 && !r.lastLineIsValidUtf8())) {
            throw new IllegalArgumentException(
                "input "
                    + f
                    + " is not a text file (its first"
                    + " line "
                    + (nul >= 0 ? "holds a NUL byte" : "is not UTF-8")
                    + "): spillway"
                    + " reads CSV/TSV text in UTF-8");
          }
        }
        lines.add(line);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
      }
    }
    return lines;
  }

  /**
   * Checks that every non-empty file starts with the same header as the first non-empty one (lines
   * from {@link #firstLines}): a file whose columns are named in another order would otherwise be
   * read with the first file's order.
   */
  public static void checkHeaders(List<String> files, List<String> firstLines) {
    int first = -1;
    for (int i = 0; i < files.size(); i++) {
      String line = firstLines.get(i);
      if (line == null) {
        continue;
      }
      if (first < 0) {
        first = i;
      } else if (!line.equals(firstLines.get(first))) {
        throw new IllegalArgumentException(
            "input "
                + files.get(i)
                + " has the header \""
                + line
                + "\", but "
                + files.get(first)
                + " has \""
                + firstLines.get(first)
                + "\": every"
                + " input must name the same columns in the same order");
      }
    }
  }
}
