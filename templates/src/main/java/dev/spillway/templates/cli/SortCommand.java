package dev.spillway.templates.cli;

import dev.spillway.templates.JobLauncher;
import dev.spillway.templates.SortJob;
import dev.spillway.templates.SortOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = SortJob.NAME,
    mixinStandardHelpOptions = true,
    description = "Sort lines by a column into one totally ordered file; ties keep input order.",
    footer = {
      "",
      "Example:",
      "  spillway sort --input events.csv --output by-time.csv --column time --numeric"
    })
final class SortCommand implements Callable<Integer> {
  @Mixin JobArgs job;

  @Option(
      names = {"-c", "--column"},
      required = true,
      paramLabel = "COL",
      description = "The column to sort by: header name or 1-based number.")
  String column;

  @Option(
      names = {"-n", "--numeric"},
      description = "Compare as numbers (default: as text).")
  boolean numeric;

  @Option(
      names = {"-r", "--descending"},
      description = "Largest first.")
  boolean descending;

  @Option(
      names = "--ranges",
      defaultValue = "4",
      paramLabel = "N",
      description =
          "Key ranges sorted in parallel, each reading the input once"
              + " (default: ${DEFAULT-VALUE}).")
  int ranges;

  @Override
  public Integer call() {
    SortOptions o = job.toOptions(SortOptions.class);
    o.setColumn(column);
    o.setNumeric(numeric);
    o.setDescending(descending);
    o.setRanges(ranges);
    return JobLauncher.launch(o, SortJob::build, System.err, job.quiet);
  }
}
