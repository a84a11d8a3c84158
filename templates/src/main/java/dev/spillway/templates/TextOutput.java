package dev.spillway.templates;

import dev.spillway.templates.exchange.ExchangeConsumer;
import dev.spillway.templates.exchange.ExchangeProducer;
import dev.spillway.templates.exchange.FileExchange;
import dev.spillway.templates.io.AssembleOutputFn;
import dev.spillway.templates.io.ReadInput;
import dev.spillway.templates.io.WritePartsFn;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Writes a job's lines, in no particular order, to its output file: {@link WritePartsFn} writes
 * each bundle's lines to a part in the job's work directory; {@link AssembleOutputFn} then joins
 * the parts under the header into one file, renamed to the output only when complete, so a failed
 * job never leaves a partial file under the output's name.
 */
final class TextOutput {
  private TextOutput() {}

  static void write(PCollection<String> lines, JobSetup setup, String headerLine) {
    PCollectionView<List<String>> parts =
        lines
            .apply("WriteParts", ParDo.of(new WritePartsFn(setup.workDirectory().toString())))
            .apply("PartsView", View.asList());
    writeOutput(lines.getPipeline(), parts, setup, headerLine);
  }

  /**
   * Reads the job's input, shuffles it through files ({@link FileExchange}, as step {@code name})
   * and joins the parts the consumers write under {@code headerLine} into the output file.
   */
  static <T> void writeThroughFiles(
      Pipeline p,
      String name,
      ReadInput<T> read,
      ExchangeProducer<T> producer,
      ExchangeConsumer consumer,
      JobOptions options,
      JobSetup setup,
      String headerLine) {
    PCollectionView<List<String>> parts =
        p.apply(
                name,
                FileExchange.of(
                    read.sources(),
                    producer,
                    consumer,
                    JobSetup.exchangePartitions(options),
                    setup.workDirectory().toString(),
                    setup.spill()))
            .apply("PartsView", View.asList());
    writeOutput(p, parts, setup, headerLine);
  }

  /** Joins {@code parts} (in name order) under {@code headerLine} into the output file. */
  static void writeOutput(
      Pipeline p, PCollectionView<List<String>> parts, JobSetup setup, String headerLine) {
    p.apply("Output", Create.of(setup.output().toString()))
        .apply(
            "AssembleOutput",
            ParDo.of(new AssembleOutputFn(parts, setup.workDirectory().toString(), headerLine))
                .withSideInputs(parts));
  }
}
