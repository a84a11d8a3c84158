package dev.spillway.templates.sort;

import dev.spillway.spill.ExternalSorter;
import dev.spillway.spill.RecordCursor;
import dev.spillway.templates.io.FileScanner;
import dev.spillway.templates.io.JobMetrics;
import dev.spillway.templates.io.LiveProgress;
import dev.spillway.templates.io.PartFile;
import dev.spillway.templates.io.WorkDirectory;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Sorts one key range (the element is its number): reads the whole input, keeps the lines whose key
 * falls in the range, sorts them with spillway's {@link ExternalSorter} (sorted runs spilled and
 * merged within the budget) and writes them, in order, to {@code part-NNNNN} of the work directory;
 * emits the part's path.
 *
 * <p>Each range reads the input itself rather than receiving its lines through the runner's
 * shuffle: on the DirectRunner that shuffle holds every line on the heap, which is what a sort of
 * more data than memory cannot afford; a scan of the files per range costs CPU, not memory. The
 * part is written under a temporary name and renamed, so a retried range replaces it whole. Bad
 * lines are counted and reported by range 0 only, so once.
 */
public final class SortRangeFn extends DoFn<Integer, String> {
  private static final long serialVersionUID = 1L;
  private static final int REPORTED_BAD_RECORDS = 10;

  private final FileScanner<KV<byte[], String>> input;
  private final ArrayList<byte[]> bounds;
  private final boolean skipBadRecords;
  private final String workDirectory;
  private final SpillOptions options;
  private final Counter read = Metrics.counter(JobMetrics.NAMESPACE, JobMetrics.RECORDS_READ);
  private final Counter bad = Metrics.counter(JobMetrics.NAMESPACE, JobMetrics.BAD_RECORDS);
  private final Counter written = Metrics.counter(JobMetrics.NAMESPACE, JobMetrics.RECORDS_WRITTEN);
  private transient SpillMetrics metrics;

  public SortRangeFn(
      FileScanner<KV<byte[], String>> input,
      List<byte[]> bounds,
      boolean skipBadRecords,
      String workDirectory,
      SpillOptions options) {
    this.input = input;
    this.bounds = new ArrayList<>(bounds);
    this.skipBadRecords = skipBadRecords;
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
  public void process(@Element Integer range, OutputReceiver<String> out) throws IOException {
    Path dir = WorkDirectory.existing(workDirectory);
    Path part = dir.resolve(partName(range));
    long[] reported = {0};
    long lines;
    try (ExternalSorter sorter = new ExternalSorter(options.toConfig())) {
      input.scan(
          record -> {
            if (RangeBounds.rangeOf(bounds, record.getKey()) == range) {
              sorter.add(record.getKey(), record.getValue().getBytes(StandardCharsets.UTF_8));
              read.inc();
              LiveProgress.recordRead();
            }
          },
          !skipBadRecords
              ? null
              : (file, line, problem) -> {
                if (range == 0) {
                  bad.inc();
                  if (reported[0]++ < REPORTED_BAD_RECORDS) {
                    System.err.println("skipped " + file + ":" + line + ": " + problem);
                  }
                }
              });
      lines =
          PartFile.write(
              part,
              file -> {
                long n = 0;
                try (RecordCursor sorted = sorter.finish()) {
                  while (sorted.next()) {
                    file.write(sorted.valueArray(), sorted.valueOffset(), sorted.valueLength());
                    file.write('\n');
                    n++;
                  }
                }
                return n;
              });
      metrics.publish(sorter.stats());
    }
    written.inc(lines);
    out.output(part.toString());
  }
}
