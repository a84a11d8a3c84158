package dev.spillway.templates;

import dev.spillway.templates.io.FileScanner;
import dev.spillway.templates.io.InputLine;
import dev.spillway.templates.io.LineParser;
import dev.spillway.templates.io.LineSampler;
import dev.spillway.templates.sort.RangeBounds;
import dev.spillway.templates.sort.SortKeys;
import dev.spillway.templates.sort.SortRangeFn;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The {@code sort} job: sorts lines by one column, as a number or as text, ascending or descending;
 * equal keys keep their input order. The output is one totally ordered file.
 *
 * <p>How: a sample of the keys, read from the files by random seeks before the pipeline starts,
 * sets the bounds of up to {@code --ranges} key ranges; each range, a task of its own, reads the
 * input, keeps its lines and sorts them with spillway's external sort (sorted runs spilled and
 * merged within the budget) into a part file; the parts are joined in range order into the output,
 * which appears under its name only when complete. No line crosses the runner's shuffle (the
 * DirectRunner's holds everything on the heap): the ranges trade a scan of the input each for a
 * memory bound.
 *
 * <pre>
 * java -jar templates/target/spillway.jar sort --input events.csv --output by-time.csv \
 *     --column timestamp --numeric --memory 256m
 * </pre>
 */
public final class SortJob {
  public static final String NAME = "sort";

  private SortJob() {}

  public static Pipeline build(SortOptions options, JobSetup setup) {
    int column = setup.header().indexOf(options.getColumn());
    int ranges = options.getRanges();
    if (ranges < 1 || ranges > 4096) {
      throw new IllegalArgumentException("--ranges must be in [1, 4096], was " + ranges);
    }
    SortKeys keys =
        new SortKeys(options.getNumeric(), options.getDescending(), setup.header().nameOf(column));
    String work = setup.workDirectory().toString();
    KeyedLineParser parser = new KeyedLineParser(column, setup.header().nameOf(column), keys);
    List<byte[]> sample = new ArrayList<>();
    for (KV<byte[], String> record :
        LineSampler.sample(
            setup.files(),
            setup.csv(),
            setup.header(),
            parser,
            ranges * RangeBounds.SAMPLES_PER_RANGE,
            42)) {
      sample.add(record.getKey());
    }
    List<byte[]> bounds = RangeBounds.fromSample(sample, ranges);
    List<Integer> rangeIds = new ArrayList<>();
    for (int r = 0; r <= bounds.size(); r++) {
      rangeIds.add(r);
    }
    Pipeline p = Pipeline.create(options);
    PCollectionView<List<String>> parts =
        p.apply("Ranges", Create.of(rangeIds))
            .apply("SpreadRanges", Reshuffle.viaRandomKey())
            .apply(
                "SortRanges",
                ParDo.of(
                    new SortRangeFn(
                        new FileScanner<>(setup.files(), setup.csv(), setup.header(), parser),
                        bounds,
                        options.getSkipBadRecords(),
                        work,
                        setup.spill())))
            .apply("PartsView", View.asList());
    TextOutput.writeOutput(
        p, parts, setup, setup.header().present() ? setup.header().line() : null);
    return p;
  }

  /** (sort key, line). */
  static final class KeyedLineParser implements LineParser<KV<byte[], String>> {
    private static final long serialVersionUID = 1L;
    private final int column;
    private final String name;
    private final SortKeys keys;

    KeyedLineParser(int column, String name, SortKeys keys) {
      this.column = column;
      this.name = name;
      this.keys = keys;
    }

    @Override
    public KV<byte[], String> parse(InputLine line) {
      return KV.of(
          keys.encode(line.field(column, name), line.fileIndex(), line.offset()), line.text());
    }
  }

  /** (range, (sort key, line)). */
  public static void main(String[] args) {
    System.exit(JobLauncher.launchFromArgs(args, SortOptions.class, SortJob::build));
  }
}
