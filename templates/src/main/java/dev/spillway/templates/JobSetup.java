package dev.spillway.templates;

import dev.spillway.templates.io.Csv;
import dev.spillway.templates.io.Header;
import dev.spillway.templates.io.InputFiles;
import dev.spillway.templates.io.MalformedLineException;
import dev.spillway.templates.io.WorkDirectory;
import dev.spillway.transforms.MemorySize;
import dev.spillway.transforms.SpillOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;

/**
 * A job's inputs, output and spill settings, resolved and checked where the job is launched, so
 * that a missing input, an unwritable output or spill directory, an unknown column or a bad memory
 * size fails with a clear message before any work starts.
 */
public final class JobSetup {
  private final List<String> files;
  private final Csv csv;
  private final Header header;
  private final Path output;
  private final SpillOptions spill;
  private final Path workDirectory;

  private JobSetup(List<String> files, Csv csv, Header header, Path output, SpillOptions spill) {
    this.files = files;
    this.csv = csv;
    this.header = header;
    this.output = output;
    this.spill = spill;
    this.workDirectory = WorkDirectory.nameFor(output);
  }

  /** Resolves and checks {@code options}; throws {@link IllegalArgumentException} if wrong. */
  public static JobSetup check(JobOptions options) {
    long budget = MemorySize.parse(options.getMemory());
    checkBudgetFitsTheHeap(options, budget, Runtime.getRuntime().maxMemory());
    SpillOptions spill =
        SpillOptions.create()
            .withMemoryBudgetBytes(budget)
            .withSpillEncryption(Boolean.TRUE.equals(options.getEncryptSpills()))
            .withShuffle(options.getShuffle());
    Integer shards = options.getShards();
    if (shards != null && shards != 0) {
      spill = spill.withShards(shards);
    }
    List<String> dirs = options.getSpillDirs();
    if (dirs != null && !dirs.isEmpty()) {
      spill = spill.withSpillDirectories(dirs);
      spill.checkSpillDirectoriesHere();
    }
    List<String> files = InputFiles.expand(options.getInput());
    List<String> firstLines = InputFiles.firstLines(files);
    Csv csv = Csv.forSpec(options.getDelimiter(), files.get(0));
    int firstFile = 0;
    while (firstFile < files.size() && firstLines.get(firstFile) == null) {
      firstFile++;
    }
    String first = firstFile < files.size() ? firstLines.get(firstFile) : null;
    Header header;
    if (Boolean.FALSE.equals(options.getHeader())) {
      header = Header.numbered(first == null ? 0 : csv.split(first).length);
    } else if (first == null) {
      throw new IllegalArgumentException(
          "every input file is empty, so there is no header"
              + " line to name the columns (use --no-header for headerless input)");
    } else {
      try {
        header = Header.fromLine(csv, first);
      } catch (MalformedLineException e) {
        throw new IllegalArgumentException(
            files.get(firstFile) + ":1: the header line does not" + " parse: " + e.getMessage(), e);
      }
      InputFiles.checkHeaders(files, firstLines);
    }
    Path output = checkOutput(options.getOutput(), files);
    return new JobSetup(files, csv, header, output, spill);
  }

  /**
   * The heap a job needs beside its budget when it runs in this JVM: the runner, the readers and
   * writers, the exchange's buffers and the garbage collector's headroom. Measured: the aggregate
   * job over 4M rows and 4M keys completes at -Xmx160m with --memory 64m and at -Xmx128m with
   * --memory 32m (BENCHMARKS.md).
   */
  static final long HEAP_BESIDE_BUDGET = 64L << 20;

  /**
   * Refuses a budget this JVM's heap cannot give, where the job's engines run in it ({@link
   * #runsInThisJvm}); on a cluster the budget is each worker's.
   */
  static void checkBudgetFitsTheHeap(JobOptions options, long budget, long maxHeap) {
    if (runsInThisJvm(options) && budget > maxHeap - HEAP_BESIDE_BUDGET) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "--memory %s does not fit this JVM's heap of %d MiB: a job needs its budget plus about"
                  + " %d MiB; give java a larger heap (-Xmx%dm) or a smaller --memory (at most %dm)",
              options.getMemory(),
              maxHeap >> 20,
              HEAP_BESIDE_BUDGET >> 20,
              (budget + HEAP_BESIDE_BUDGET + (1 << 20) - 1) >> 20,
              Math.max(0, maxHeap - HEAP_BESIDE_BUDGET) >> 20));
    }
  }

  /**
   * Whether the job's engines run in this JVM: the DirectRunner, an embedded Flink cluster, a
   * plugin's runner with a local master.
   */
  static boolean runsInThisJvm(JobOptions options) {
    return options.getRunner() == DirectRunner.class
        || FlinkLocalTemp.isEmbeddedFlink(options)
        || RunnerPlugins.running(options).map(r -> r.runsInThisJvm(options)).orElse(false);
  }

  private static Path checkOutput(String name, List<String> inputs) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("no output given");
    }
    Path out = Paths.get(name).toAbsolutePath().normalize();
    if (Files.isDirectory(out)) {
      throw new IllegalArgumentException("output " + name + " is a directory; name a file");
    }
    if (Files.exists(out) && !Files.isRegularFile(out)) {
      // The finished output is renamed over the old one: that would replace a device or a pipe.
      throw new IllegalArgumentException(
          "output "
              + name
              + " is not a regular file (a device,"
              + " pipe or socket); spillway writes a whole file and renames it into place, so name"
              + " a file");
    }
    if (inputs.contains(out.toString())) {
      throw new IllegalArgumentException("output " + name + " is also an input");
    }
    Path dir = out.getParent();
    try {
      Files.createDirectories(dir);
      // A real write, not Files.isWritable: that says yes to root on any directory.
      Path probe = Files.createTempFile(dir, ".spillway-probe-", ".tmp");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          "cannot write the output "
              + name
              + ": directory "
              + dir
              + " is not writable ("
              + e.getMessage()
              + ")",
          e);
    }
    return out;
  }

  public List<String> files() {
    return files;
  }

  public Csv csv() {
    return csv;
  }

  public Header header() {
    return header;
  }

  public Path output() {
    return output;
  }

  /**
   * A hidden directory beside the output for the job's unfinished output (temporary files, sorted
   * ranges); made by the job, deleted when it ends, whether it succeeds or fails.
   */
  public Path workDirectory() {
    return workDirectory;
  }

  public SpillOptions spill() {
    return spill;
  }

  /** Whether the job's records go through files rather than the runner's shuffle. */
  public static boolean shufflesThroughFiles(JobOptions options) {
    return options.getShuffle().throughFilesOn(options.getRunner());
  }

  /**
   * Partitions of a shuffle through files: twice the threads that run them (the DirectRunner's
   * target parallelism, else the cores), so that one slow partition does not hold the job.
   */
  public static int exchangePartitions(JobOptions options) {
    int threads =
        options.getRunner() == DirectRunner.class
            ? options.as(DirectOptions.class).getTargetParallelism()
            : Runtime.getRuntime().availableProcessors();
    return 2 * Math.max(1, threads);
  }

  /** Column indices of a comma-separated list of column names. */
  public int[] columns(String list, String what) {
    if (list == null || list.isBlank()) {
      throw new IllegalArgumentException("no " + what + " column given");
    }
    String[] names = list.split(",");
    int[] out = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = header.indexOf(names[i].trim());
    }
    return out;
  }
}
