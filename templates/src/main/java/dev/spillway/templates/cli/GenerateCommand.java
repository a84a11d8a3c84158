package dev.spillway.templates.cli;

import dev.spillway.templates.workload.Workload;
import dev.spillway.templates.workload.WorkloadFile;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Write a standard workload (benchmarks/WORKLOADS.md) as a CSV file key,value.",
    footer = {
      "",
      "Example:",
      "  spillway generate --workload combine --records 2000000 --output data/combine.csv"
    })
final class GenerateCommand implements Callable<Integer> {
  @Option(
      names = {"-w", "--workload"},
      required = true,
      paramLabel = "NAME",
      description = "combine, group, skew or sort.")
  Workload workload;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "The CSV file to write.")
  Path output;

  @Option(
      names = "--records",
      paramLabel = "N",
      description = "Records (default: the workload's N).")
  Long records;

  @Option(
      names = "--keys",
      paramLabel = "K",
      description = "Key space (default: the workload's K).")
  Long keys;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    long n = records != null ? records : workload.defaultRecords();
    long k = keys != null ? keys : workload.defaultKeys();
    if (n < 0 || k < 0) {
      System.err.println("error: --records and --keys cannot be negative");
      return 2;
    }
    long start = System.nanoTime();
    long size = WorkloadFile.write(workload, n, k, seed, output);
    System.err.printf(
        Locale.ROOT,
        "wrote %,d %s records (%,d bytes) to %s in %.1f s%n",
        n,
        workload.id(),
        size,
        output.toAbsolutePath(),
        (System.nanoTime() - start) / 1e9);
    return 0;
  }
}
