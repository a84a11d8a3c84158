package dev.spillway.templates.exchange;

import dev.spillway.spill.ExchangeKey;
import dev.spillway.spill.ExchangeReader;
import dev.spillway.spill.MemoryPool;
import dev.spillway.spill.RecordSink;
import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillingEngine;
import dev.spillway.templates.io.JobMetrics;
import dev.spillway.templates.io.PartFile;
import dev.spillway.templates.io.WorkDirectory;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * The consumer task of one partition of a {@link FileExchange}: feeds the partition's files (from
 * every producer) to the {@link ExchangeConsumer}, which merges them and writes its lines to {@code
 * part-pNNNNN} of the work directory ({@link PartFile}: whole or not at all); deletes the files it
 * consumed and emits the part's path.
 */
final class ConsumeFn extends DoFn<KV<Integer, Iterable<String>>, String> {
  private static final long serialVersionUID = 1L;

  private final ExchangeConsumer consumer;
  private final String workDirectory;
  private final SpillOptions options;
  private final ExchangeKey key;
  private final Counter written = Metrics.counter(JobMetrics.NAMESPACE, JobMetrics.RECORDS_WRITTEN);
  private transient SpillMetrics metrics;

  ConsumeFn(
      ExchangeConsumer consumer, String workDirectory, SpillOptions options, ExchangeKey key) {
    this.consumer = consumer;
    this.workDirectory = workDirectory;
    this.options = options;
    this.key = key;
  }

  @Setup
  public void setup() {
    metrics = new SpillMetrics();
  }

  @ProcessElement
  public void process(@Element KV<Integer, Iterable<String>> partition, OutputReceiver<String> out)
      throws IOException {
    Path dir = WorkDirectory.existing(workDirectory);
    Path part = dir.resolve(String.format("part-p%05d", partition.getKey()));
    List<Path> files = new ArrayList<>();
    for (String f : partition.getValue()) {
      files.add(Paths.get(f));
    }
    // Producer order, so that a key's records meet in the same order on every run.
    Collections.sort(files);
    SpillConfig config = options.toConfig();
    long lines;
    // The reader's buffer and the engine's floor in one request, taken while this thread holds
    // nothing: consumers that each held one and waited for the other would wait for each other.
    try (MemoryPool.Admission start =
            config
                .pool()
                .admit(ExchangeReader.bufferBytes(config) + SpillingEngine.floorBytes(config));
        ExchangeReader in = new ExchangeReader(config, files, key)) {
      Consumer<RecordSink> records =
          sink -> {
            start.close(); // the engine has started: what it did not take goes back
            try (in) { // its buffer goes back before the engine's output
              while (in.next()) {
                sink.accept(
                    in.keyArray(),
                    in.keyOffset(),
                    in.keyLength(),
                    in.valueArray(),
                    in.valueOffset(),
                    in.valueLength());
              }
            }
          };
      lines =
          PartFile.write(
              part,
              file -> {
                ExchangeConsumer.Lines output = new ExchangeConsumer.Lines(file);
                try (SpillingEngine engine = consumer.consume(config, records, output)) {
                  metrics.publish(engine.stats());
                }
                return output.count();
              });
    }
    for (Path f : files) {
      Files.deleteIfExists(f); // consumed: the disk is given back as the job goes
    }
    written.inc(lines);
    out.output(part.toString());
  }
}
