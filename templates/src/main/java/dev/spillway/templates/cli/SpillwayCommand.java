package dev.spillway.templates.cli;

import dev.spillway.templates.JobLauncher;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code spillway} command: ready jobs over CSV/TSV files, run as Beam pipelines on the
 * DirectRunner (default) or Beam's Flink runner, with spillway's spilling transforms doing the
 * grouping and sorting within a memory budget.
 */
@Command(
    name = "spillway",
    mixinStandardHelpOptions = true,
    version = "spillway 0.1.0",
    description =
        "Aggregate, group and sort files larger than memory, as Beam pipelines that"
            + " spill to disk.",
    subcommands = {
      AggregateCommand.class,
      GroupCommand.class,
      SortCommand.class,
      GenerateCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Examples:",
      "  spillway generate --workload combine --records 2000000 -o data/combine.csv",
      "  spillway aggregate --input data/combine.csv --output out/sums.csv \\",
      "      --group-by key --aggregate sum:value,count --memory 64m",
      "  spillway group --input visits.csv --output by-user.csv --key user --value page",
      "  spillway sort --input events.csv --output sorted.csv --column time --numeric",
      "",
      "Run 'spillway help COMMAND' for a command's options."
    })
public final class SpillwayCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
  }

  /** Runs the command line; returns the exit code. */
  public static int run(String... args) {
    return new CommandLine(new SpillwayCommand())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(
            (e, command, parsed) -> {
              // A choice of options that cannot work (a runner this jar lacks): said in one line.
              if (e instanceof IllegalArgumentException) {
                command.getErr().println("error: " + e.getMessage());
                return 2;
              }
              throw e;
            })
        .execute(args);
  }

  public static void main(String[] args) {
    JobLauncher.exitOnUncaughtOutOfMemory(System.err);
    System.exit(run(args));
  }
}
