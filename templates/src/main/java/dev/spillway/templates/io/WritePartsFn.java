package dev.spillway.templates.io;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;

/**
 * Writes each bundle's lines to a part file of its own in the work directory and emits the part's
 * path when the bundle finishes. A failed bundle's part is never emitted (its output is discarded
 * and the retry writes a new one), so {@link AssembleOutputFn} joins each line once; leftovers go
 * with the work directory.
 *
 * <p>Beam's TextIO does the same on most runners, but on the DirectRunner it shards every line
 * through a GroupByKey, whose in-memory state the DirectRunner copies on every bundle.
 */
public final class WritePartsFn extends DoFn<String, String> {
  private static final long serialVersionUID = 1L;

  private final String workDirectory;
  private final Counter written = Metrics.counter(JobMetrics.NAMESPACE, JobMetrics.RECORDS_WRITTEN);
  private transient Path part;
  private transient BufferedWriter writer;

  public WritePartsFn(String workDirectory) {
    this.workDirectory = workDirectory;
  }

  @StartBundle
  public void startBundle() {
    part = null;
    writer = null;
  }

  @ProcessElement
  public void process(@Element String line) throws IOException {
    if (writer == null) {
      Path dir = WorkDirectory.existing(workDirectory);
      part = dir.resolve("part-" + UUID.randomUUID());
      writer = Files.newBufferedWriter(part, StandardCharsets.UTF_8);
    }
    writer.write(line);
    writer.write('\n');
    written.inc();
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    if (writer == null) {
      return;
    }
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + part + ": " + e.getMessage(), e);
    }
    writer = null;
    context.output(part.toString(), GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
  }

  @Teardown
  public void teardown() throws IOException {
    if (writer != null) {
      writer.close(); // a bundle that failed midway: its part is left for the work directory
    }
  }
}
