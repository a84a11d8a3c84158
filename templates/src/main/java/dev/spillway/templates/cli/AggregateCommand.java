package dev.spillway.templates.cli;

import dev.spillway.templates.AggregateJob;
import dev.spillway.templates.AggregateOptions;
import dev.spillway.templates.JobLauncher;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = AggregateJob.NAME,
    mixinStandardHelpOptions = true,
    description = "Group lines by columns and compute count, sum, min, max, mean per group.",
    footer = {
      "",
      "Example:",
      "  spillway aggregate --input sales.csv --output totals.csv \\",
      "      --group-by region,product --aggregate sum:amount,count,mean:price"
    })
final class AggregateCommand implements Callable<Integer> {
  @Mixin JobArgs job;

  @Option(
      names = {"-g", "--group-by"},
      required = true,
      paramLabel = "COLS",
      description = "Columns to group by: header names or 1-based numbers, comma-separated.")
  String groupBy;

  @Option(
      names = {"-a", "--aggregate"},
      required = true,
      paramLabel = "AGGS",
      description = "Comma-separated: count, sum:COL, min:COL, max:COL, mean:COL.")
  String aggregate;

  @Override
  public Integer call() {
    AggregateOptions o = job.toOptions(AggregateOptions.class);
    o.setGroupBy(groupBy);
    o.setAggregate(aggregate);
    return JobLauncher.launch(o, AggregateJob::build, System.err, job.quiet);
  }
}
