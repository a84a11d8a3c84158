package dev.spillway.templates.sort;

import dev.spillway.spill.ExternalSorter;
import dev.spillway.spill.RecordCursor;
import dev.spillway.templates.io.JobMetrics;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Sorts one key range with spillway's {@link ExternalSorter} (sorted runs spilled and merged
 * within the budget) and writes its lines, in order, to {@code part-NNNNN} of the work directory;
 * emits the part's path. The part is written under a temporary name and renamed, so a retried
 * range replaces it whole.
 */
public final class SortRangeFn extends DoFn<KV<Integer, Iterable<KV<byte[], String>>>, String> {
  private static final long serialVersionUID = 1L;

  private final String workDirectory;
  private final SpillOptions options;
  private final Counter written = Metrics.counter(JobMetrics.NAMESPACE, JobMetrics.RECORDS_WRITTEN);
  private transient SpillMetrics metrics;

  public SortRangeFn(String workDirectory, SpillOptions options) {
    this.workDirectory = workDirectory;
    this.options = options;
  }

  @Setup
  public void setup() {
    metrics = new SpillMetrics();
  }

  static String partName(int range) {
    return String.format("part-%05d", range);
  }

  @ProcessElement
  public void process(@Element KV<Integer, Iterable<KV<byte[], String>>> range,
      OutputReceiver<String> out) throws IOException {
    Path dir = Paths.get(workDirectory);
    Files.createDirectories(dir);
    Path part = dir.resolve(partName(range.getKey()));
    Path inProgress = dir.resolve(part.getFileName() + "." + UUID.randomUUID() + ".inprogress");
    long lines = 0;
    try (ExternalSorter sorter = new ExternalSorter(options.toConfig())) {
      for (KV<byte[], String> record : range.getValue()) {
        sorter.add(record.getKey(), record.getValue().getBytes(StandardCharsets.UTF_8));
      }
      try (RecordCursor sorted = sorter.finish();
          OutputStream file = new BufferedOutputStream(Files.newOutputStream(inProgress), 1 << 16)) {
        while (sorted.next()) {
          file.write(sorted.valueArray(), sorted.valueOffset(), sorted.valueLength());
          file.write('\n');
          lines++;
        }
      }
      metrics.publish(sorter.stats());
      Files.move(inProgress, part, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(inProgress);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof IOException) {
        throw new UncheckedIOException("cannot write " + part + ": " + e.getMessage(),
            (IOException) e);
      }
      throw e;
    }
    written.inc(lines);
    out.output(part.toString());
  }
}
