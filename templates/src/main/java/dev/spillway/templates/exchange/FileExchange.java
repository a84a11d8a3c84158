package dev.spillway.templates.exchange;

import dev.spillway.spill.ExchangeKey;
import dev.spillway.templates.io.LineSource;
import dev.spillway.transforms.SpillOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.FileBasedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * A job's shuffle through files, for runners whose workers share one disk (the DirectRunner): the
 * input files are cut into byte ranges; a producer task per range reads and parses its lines and
 * hands its records, by the hash of their keys, to one file per partition in the work directory
 * ({@link dev.spillway.spill.ExchangeWriter}: the engine's checksummed segments); a consumer task
 * per partition reads every producer's file of it, merges them in a spilling engine and writes its
 * part of the output. The output is the parts' paths.
 *
 * <p>Why: between steps the DirectRunner holds every element of a bundle on the heap, and its
 * GroupByKey holds all of a step's output, so a job whose records cross the runner needs memory in
 * proportion to its input. Here only file names cross it (a few per range): the memory a job needs
 * is its budget, its block buffers and the runner's fixed overhead, whatever the input's size or
 * number of keys. Runners with a shuffle of their own (Flink, Spark) use the jobs' ordinary
 * pipelines instead.
 *
 * @param <T> the parsed records
 */
public final class FileExchange<T> extends PTransform<PBegin, PCollection<String>> {
  private static final long serialVersionUID = 1L;

  /** Small enough for a few ranges per thread (load balance), large enough to read fast. */
  static final long RANGE_BYTES = 32L << 20;

  private final List<LineSource<T>> files;
  private final ExchangeProducer<T> producer;
  private final ExchangeConsumer consumer;
  private final int partitions;
  private final String workDirectory;
  private final SpillOptions options;
  private final ExchangeKey key;

  private FileExchange(
      List<LineSource<T>> files,
      ExchangeProducer<T> producer,
      ExchangeConsumer consumer,
      int partitions,
      String workDirectory,
      SpillOptions options,
      ExchangeKey key) {
    this.files = List.copyOf(files);
    this.producer = producer;
    this.consumer = consumer;
    this.partitions = partitions;
    this.workDirectory = workDirectory;
    this.options = options;
    this.key = key;
  }

  /**
   * Reads {@code files}, hands their records through {@code partitions} partitions of files in
   * {@code workDirectory}, encrypted with a new key if {@code options} encrypt spills.
   */
  public static <T> FileExchange<T> of(
      List<LineSource<T>> files,
      ExchangeProducer<T> producer,
      ExchangeConsumer consumer,
      int partitions,
      String workDirectory,
      SpillOptions options) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be positive, was " + partitions);
    }
    return new FileExchange<>(
        files,
        producer,
        consumer,
        partitions,
        workDirectory,
        options,
        options.spillEncryption() ? ExchangeKey.create() : null);
  }

  /** Where the exchange's files go, inside the job's work directory. */
  static Path directory(Path workDirectory) {
    return workDirectory.resolve("exchange");
  }

  @Override
  public PCollection<String> expand(PBegin begin) {
    List<LineSource<T>> ranges = split(begin.getPipeline().getOptions());
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      ids.add(i);
    }
    return begin
        .apply("Ranges", Create.of(ids).withCoder(VarIntCoder.of()))
        .apply("SpreadRanges", Reshuffle.viaRandomKey())
        .apply(
            "Produce",
            ParDo.of(new ProduceFn<>(ranges, producer, partitions, workDirectory, options, key)))
        .setCoder(KvCoder.of(VarIntCoder.of(), StringUtf8Coder.of()))
        .apply("FilesByPartition", GroupByKey.create())
        .apply("Consume", ParDo.of(new ConsumeFn(consumer, workDirectory, options, key)));
  }

  private List<LineSource<T>> split(PipelineOptions pipelineOptions) {
    List<LineSource<T>> ranges = new ArrayList<>();
    for (LineSource<T> file : files) {
      try {
        for (FileBasedSource<T> range : file.split(RANGE_BYTES, pipelineOptions)) {
          ranges.add((LineSource<T>) range); // LineSource makes its subranges
        }
      } catch (Exception e) {
        throw new IllegalArgumentException("cannot split input " + file + ": " + e.getMessage(), e);
      }
    }
    return ranges;
  }
}
