package dev.spillway.templates;

import dev.spillway.templates.aggregate.Aggregate;
import dev.spillway.templates.aggregate.AggregateExchange;
import dev.spillway.templates.aggregate.AggregateFn;
import dev.spillway.templates.aggregate.FormatFn;
import dev.spillway.templates.aggregate.Numbers;
import dev.spillway.templates.aggregate.RowParser;
import dev.spillway.templates.aggregate.Stats;
import dev.spillway.templates.io.Csv;
import dev.spillway.templates.io.ReadInput;
import dev.spillway.transforms.SpillingCombine;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The {@code aggregate} job: groups CSV/TSV lines by one or more columns and computes count, sum,
 * min, max and mean of numeric columns per group, through {@code SpillingCombine}; writes one line
 * per group.
 *
 * <pre>
 * java -jar templates/target/spillway.jar aggregate --input sales.csv --output totals.csv \
 *     --group-by region,product --aggregate sum:amount,count,mean:price --memory 256m
 * </pre>
 */
public final class AggregateJob {
  public static final String NAME = "aggregate";

  private AggregateJob() {}

  /** The pipeline for {@code options}, checked by {@code setup}. */
  public static Pipeline build(AggregateOptions options, JobSetup setup) {
    int[] groupBy = setup.columns(options.getGroupBy(), "group-by");
    List<Integer> numeric = new ArrayList<>();
    List<Aggregate> aggregates =
        Aggregate.parseAll(options.getAggregate(), setup.header(), numeric);
    Pipeline p = Pipeline.create(options);
    Csv out = new Csv(setup.csv().delimiter());
    ReadInput<KV<String, Numbers>> read =
        new ReadInput<>(
            setup.files(),
            setup.csv(),
            setup.header(),
            new RowParser(groupBy, numeric, setup.header(), out),
            KvCoder.of(StringUtf8Coder.of(), Numbers.coder(numeric.size())),
            options.getSkipBadRecords());
    FormatFn format = new FormatFn(aggregates, out.delimiter());
    String header = setup.header().present() ? outputHeader(setup, groupBy, aggregates) : null;
    if (JobSetup.shufflesThroughFiles(options)) {
      TextOutput.writeThroughFiles(
          p,
          "Aggregate",
          read,
          new AggregateExchange.Producer(numeric.size()),
          new AggregateExchange.Merger(numeric.size(), format),
          options,
          setup,
          header);
      return p;
    }
    PCollection<String> lines =
        p.apply("Read", read)
            .apply(
                "Aggregate",
                SpillingCombine.<String, Numbers, Stats>perKey(new AggregateFn(numeric.size()))
                    .withOptions(setup.spill()))
            .apply("Format", ParDo.of(format));
    TextOutput.write(lines, setup, header);
    return p;
  }

  /** The output header: the group-by columns, then one column per aggregate. */
  static String outputHeader(JobSetup setup, int[] groupBy, List<Aggregate> aggregates) {
    List<String> names = new ArrayList<>();
    for (int c : groupBy) {
      names.add(setup.header().nameOf(c));
    }
    for (Aggregate a : aggregates) {
      names.add(a.outputName());
    }
    return new Csv(setup.csv().delimiter()).join(names);
  }

  /** Runs the job as a Beam template: {@code --input=... --output=... --groupBy=...}. */
  public static void main(String[] args) {
    System.exit(JobLauncher.launchFromArgs(args, AggregateOptions.class, AggregateJob::build));
  }
}
