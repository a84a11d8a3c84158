package dev.spillway.templates.cli;

import dev.spillway.templates.GroupJob;
import dev.spillway.templates.GroupOptions;
import dev.spillway.templates.JobLauncher;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = GroupJob.NAME,
    mixinStandardHelpOptions = true,
    description = "Collect all values of each key; write one line per key, values joined.",
    footer = {
      "",
      "Example:",
      "  spillway group --input visits.csv --output by-user.csv --key user --value page"
    })
final class GroupCommand implements Callable<Integer> {
  @Mixin JobArgs job;

  @Option(
      names = {"-k", "--key"},
      required = true,
      paramLabel = "COLS",
      description = "Key columns: header names or 1-based numbers, comma-separated.")
  String key;

  @Option(
      names = {"-v", "--value"},
      paramLabel = "COL",
      description = "The column to collect (default: the whole line).")
  String value;

  @Option(
      names = "--separator",
      defaultValue = ";",
      paramLabel = "TEXT",
      description = "What joins a key's values (default: ${DEFAULT-VALUE}).")
  String separator;

  @Override
  public Integer call() {
    GroupOptions o = job.toOptions(GroupOptions.class);
    o.setKey(key);
    o.setValue(value);
    o.setSeparator(separator);
    return JobLauncher.launch(o, GroupJob::build, System.err, job.quiet);
  }
}
