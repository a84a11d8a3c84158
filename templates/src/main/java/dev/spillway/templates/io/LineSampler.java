package dev.spillway.templates.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Parses lines picked at random from the input files (a file in proportion to its size, a random
 * byte in it, the line that follows): a sample of the records, taken with a few thousand seeks
 * before the pipeline starts. Lines the parser rejects are left out; the job reports them.
 */
public final class LineSampler {
  private LineSampler() {}

  public static <T> List<T> sample(
      List<String> files, Csv csv, Header header, LineParser<T> parser, int count, long seed) {
    Random random = new Random(seed);
    long[] sizes = new long[files.size()];
    long total = 0;
    for (int i = 0; i < sizes.length; i++) {
      try {
        sizes[i] = Files.size(Paths.get(files.get(i)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + files.get(i) + ": " + e.getMessage(), e);
      }
      total += sizes[i];
    }
    List<T> out = new ArrayList<>(count);
    if (total == 0) {
      return out;
    }
    InputLine input = new InputLine();
    for (int n = 0; n < count; n++) {
      long at = (long) (random.nextDouble() * total);
      int file = 0;
      while (at >= sizes[file]) {
        at -= sizes[file++];
      }
      Path path = Paths.get(files.get(file));
      try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
        channel.position(at);
        LineReader lines = new LineReader(channel, at, path.toString());
        if (at > 0) {
          lines.skipLine(); // into the middle of a line: take the next one
        }
        String text = lines.readLine();
        if (text == null || (lines.lineStart() == 0 && header.present())) {
          continue;
        }
        input.set(csv, text, file, lines.lineStart());
        out.add(parser.parse(input));
      } catch (MalformedLineException e) {
        // a bad line: the reader reports it when the job reaches it
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
      }
    }
    return out;
  }
}
