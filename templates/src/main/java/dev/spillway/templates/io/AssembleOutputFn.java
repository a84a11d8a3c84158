package dev.spillway.templates.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.TreeSet;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Makes the job's output file from its parts: the header line, then every part in the order of the
 * parts' names, into one temporary file in the work directory, renamed to the output only when
 * complete. Runs once (the element is the output path), after every part is written (the parts
 * arrive as a side input; a part that a retry wrote twice appears once).
 */
public final class AssembleOutputFn extends DoFn<String, Void> {
  private static final long serialVersionUID = 1L;

  private final PCollectionView<List<String>> parts;
  private final String workDirectory;
  private final String headerLine;

  public AssembleOutputFn(
      PCollectionView<List<String>> parts, String workDirectory, String headerLine) {
    this.parts = parts;
    this.workDirectory = workDirectory;
    this.headerLine = headerLine;
  }

  @ProcessElement
  public void process(ProcessContext context) throws IOException {
    Path output = Paths.get(context.element());
    Path dir = WorkDirectory.existing(workDirectory);
    TreeSet<String> ordered = new TreeSet<>(context.sideInput(parts));
    Path whole = dir.resolve("output.inprogress");
    try (FileChannel out =
        FileChannel.open(
            whole,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      if (headerLine != null) {
        ByteBuffer header = ByteBuffer.wrap((headerLine + "\n").getBytes(StandardCharsets.UTF_8));
        while (header.hasRemaining()) {
          out.write(header);
        }
      }
      for (String part : ordered) {
        try (FileChannel in = FileChannel.open(Paths.get(part), StandardOpenOption.READ)) {
          long size = in.size();
          for (long done = 0; done < size; ) {
            done += in.transferTo(done, size - done, out);
          }
        }
      }
      out.force(false);
    }
    Files.move(whole, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    // The parts go now; the launcher removes the work directory with what else is left there.
    for (String part : ordered) {
      Files.deleteIfExists(Paths.get(part));
    }
  }
}
