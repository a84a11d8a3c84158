package dev.spillway.templates.exchange;

import dev.spillway.spill.ExchangeKey;
import dev.spillway.spill.ExchangeWriter;
import dev.spillway.spill.MemoryPool;
import dev.spillway.spill.SpillConfig;
import dev.spillway.templates.io.LineSource;
import dev.spillway.templates.io.WorkDirectory;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * A producer task of a {@link FileExchange}: reads one input range (the element is its number) with
 * the job's reader, hands its records to the {@link ExchangeProducer}, which writes them into a
 * file per partition; emits (partition, file) for each partition it wrote to.
 */
final class ProduceFn<T> extends DoFn<Integer, KV<Integer, String>> {
  private static final long serialVersionUID = 1L;

  private final ArrayList<LineSource<T>> ranges;
  private final ExchangeProducer<T> producer;
  private final int partitions;
  private final String workDirectory;
  private final SpillOptions options;
  private final ExchangeKey key;
  private transient SpillMetrics metrics;

  ProduceFn(
      List<LineSource<T>> ranges,
      ExchangeProducer<T> producer,
      int partitions,
      String workDirectory,
      SpillOptions options,
      ExchangeKey key) {
    this.ranges = new ArrayList<>(ranges);
    this.producer = producer;
    this.partitions = partitions;
    this.workDirectory = workDirectory;
    this.options = options;
    this.key = key;
  }

  @Setup
  public void setup() {
    metrics = new SpillMetrics();
  }

  @ProcessElement
  public void process(
      @Element Integer range,
      PipelineOptions pipelineOptions,
      OutputReceiver<KV<Integer, String>> out)
      throws IOException {
    Path dir = FileExchange.directory(WorkDirectory.existing(workDirectory));
    try {
      // Not createDirectories: a task of a stopped job must not make the work directory again.
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      // another range made it
    }
    SpillConfig config = options.toConfig();
    List<Path> files;
    // The writer's buffers and the task's floor in one request, taken while this thread holds
    // nothing: producers that each held one and waited for the other would wait for each other.
    try (MemoryPool.Admission start =
            config
                .pool()
                .admit(
                    ExchangeWriter.bufferBytes(config, partitions) + producer.startBytes(config));
        ExchangeWriter exchange =
            new ExchangeWriter(config, dir, String.format("range-%05d", range), partitions, key);
        ExchangeProducer.Task<T> task = producer.start(config, exchange);
        BoundedSource.BoundedReader<T> reader = ranges.get(range).createReader(pipelineOptions)) {
      start.close(); // what the writer and the task did not take goes back
      for (boolean more = reader.start(); more; more = reader.advance()) {
        task.add(reader.getCurrent());
      }
      task.finish();
      metrics.publish(task.stats());
      files = exchange.finish();
    }
    for (int p = 0; p < files.size(); p++) {
      if (files.get(p) != null) {
        out.output(KV.of(p, files.get(p).toString()));
      }
    }
  }
}
