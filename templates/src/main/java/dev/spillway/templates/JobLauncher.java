package dev.spillway.templates;

import dev.spillway.templates.io.BadRecordException;
import dev.spillway.templates.io.LongestLine;
import dev.spillway.templates.io.WorkDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.joda.time.Duration;

/**
 * Runs a job: checks its setup before any work, runs its pipeline with progress on stderr, ends
 * with a one-line summary or a clear error, and removes the job's work directory either way. Exit
 * codes: 0 done, 1 the job failed (bad input, I/O), 2 the job was set up wrong.
 */
public final class JobLauncher {
  /** Builds a job's pipeline from its options and checked setup. */
  @FunctionalInterface
  public interface JobBuilder<O extends JobOptions> {
    Pipeline build(O options, JobSetup setup);
  }

  private static final long PROGRESS_MILLIS = 5_000;
  private static final long STOP_WAIT_MILLIS = 5_000;

  private JobLauncher() {}

  /** Runs a job from Beam-style arguments ({@code --input=a.csv --output=b.csv ...}). */
  public static <O extends JobOptions> int launchFromArgs(
      String[] args, Class<O> type, JobBuilder<O> builder) {
    exitOnUncaughtOutOfMemory(System.err);
    PipelineOptionsFactory.register(type);
    O options;
    try {
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(type);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    return launch(options, builder, System.err, false);
  }

  /**
   * Runs a job; progress and the summary or error go to {@code err} ({@code quiet}: no progress).
   */
  public static <O extends JobOptions> int launch(
      O options, JobBuilder<O> builder, PrintStream err, boolean quiet) {
    JobSetup setup;
    Pipeline pipeline;
    try {
      setup = JobSetup.check(options);
      pipeline = builder.build(options, setup);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    if (options.getRunner() == DirectRunner.class) {
      DirectOptions direct = options.as(DirectOptions.class);
      direct.setBlockOnRun(false); // so progress can be shown while it runs
      // The jobs' functions neither mutate their inputs nor depend on re-encoding: the
      // DirectRunner's test-time checks would only cost time.
      direct.setEnforceImmutability(false);
      direct.setEnforceEncodability(false);
    }
    long start = System.nanoTime();
    JobProgress progress =
        new JobProgress(err, start, remoteProgress(options), readCountsReported(options, pipeline));
    PipelineResult result = null;
    // SIGTERM (or Ctrl-C) runs shutdown hooks, not the finally below: delete the work directory
    // there too.
    Path runnerTemp;
    try {
      runnerTemp = privateTemp(options);
    } catch (IOException e) {
      err.println(
          "error: cannot make a temporary directory for the runner (" + e.getMessage() + ")");
      return 1;
    }
    Thread onTerm =
        new Thread(
            () -> {
              deleteRecursively(setup.workDirectory(), err);
              if (runnerTemp != null) {
                deleteRecursively(runnerTemp, err);
              }
            },
            "spillway-work-directory-cleanup");
    try {
      for (Path stale : WorkDirectory.sweepStale(setup.output())) {
        err.println("removed " + stale + ", left by a job that did not end");
      }
      // Made here, not by the steps that write into it, so that a straggling bundle of a failed
      // job cannot make it again after it is deleted.
      Files.createDirectories(setup.workDirectory());
      Runtime.getRuntime().addShutdownHook(onTerm);
      result = pipeline.run();
      while (true) {
        PipelineResult.State state = result.waitUntilFinish(Duration.millis(PROGRESS_MILLIS));
        if (state != null && state.isTerminal()) {
          if (state != PipelineResult.State.DONE) {
            err.println("error: the job ended " + state);
            return 1;
          }
          break;
        }
        if (!quiet) {
          progress.print(result);
        }
      }
      progress.summary(result, setup.output(), options.getSkipBadRecords());
      return 0;
    } catch (IOException e) {
      err.println(
          "error: cannot make the work directory "
              + setup.workDirectory()
              + " ("
              + e.getMessage()
              + ")");
      return 1;
    } catch (RuntimeException | OutOfMemoryError e) {
      err.println("error: " + describe(e));
      if (findCause(e, BadRecordException.class) != null && !options.getSkipBadRecords()) {
        err.println("(--skip-bad-records counts and reports bad lines instead of failing)");
      }
      return 1;
    } finally {
      stop(result);
      deleteRecursively(setup.workDirectory(), err);
      if (runnerTemp != null) {
        deleteRecursively(runnerTemp, err);
      }
      try {
        Runtime.getRuntime().removeShutdownHook(onTerm);
      } catch (IllegalStateException | IllegalArgumentException e) {
        // shutting down already (the hook runs), or it was never added
      }
      err.flush();
    }
  }

  /**
   * Whether the runner reports the counters of {@code pipeline}'s source readers. Beam's Flink
   * runner gives a source reader of its DataStream translation a metrics container that Flink's
   * metric groups see but its accumulators, and so the job's result, do not: there the counts of
   * records read and lines skipped are unknown (a read inside a {@code DoFn}, the sort job's, is
   * counted).
   */
  static boolean readCountsReported(JobOptions options, Pipeline pipeline) {
    if (options.getRunner() != FlinkRunner.class
        || !options.as(FlinkPipelineOptions.class).getUseDataStreamForBatch()) {
      return true;
    }
    boolean[] sourceRead = {false};
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            sourceRead[0] |= node.getTransform() instanceof Read.Bounded;
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            sourceRead[0] |= node.getTransform() instanceof Read.Bounded;
          }
        });
    return !sourceRead[0];
  }

  /** Where a job on a remote cluster shows its progress, or null for a job in this JVM. */
  private static String remoteProgress(JobOptions options) {
    if (JobSetup.runsInThisJvm(options)) {
      return null;
    }
    if (options.getRunner() == FlinkRunner.class) {
      return "Flink's web UI, http://" + options.as(FlinkPipelineOptions.class).getFlinkMaster();
    }
    return RunnerPlugins.running(options)
        .map(r -> r.monitoring(options))
        .orElse("the runner's own monitoring");
  }

  /**
   * A private temporary directory for a runner in this process (embedded Flink, local Spark),
   * configured into {@code options}, or null; deleted when the job ends, so that nothing of the
   * runner's stays in {@code java.io.tmpdir}.
   */
  private static Path privateTemp(JobOptions options) throws IOException {
    Path flink = FlinkLocalTemp.configure(options);
    if (flink != null) {
      return flink;
    }
    Optional<RunnerPlugin> plugin = RunnerPlugins.running(options);
    return plugin.isPresent() ? plugin.get().privateTemp(options) : null;
  }

  /**
   * Cancels a job that ended badly and waits a little for its bundles to stop: a failed
   * DirectRunner job can still have bundles running, which must not write into the work directory
   * while it is deleted.
   */
  private static void stop(PipelineResult result) {
    if (result == null || result.getState() == PipelineResult.State.DONE) {
      return;
    }
    try {
      result.cancel();
    } catch (IOException | RuntimeException e) {
      // ended already, or the runner cannot cancel: the wait below is all there is
    }
    try {
      result.waitUntilFinish(Duration.millis(STOP_WAIT_MILLIS));
    } catch (RuntimeException e) {
      // its failure was reported already
    }
  }

  /** What went wrong, in one line: a bad input line as file:line: problem; else the root cause. */
  static String describe(Throwable e) {
    BadRecordException bad = findCause(e, BadRecordException.class);
    if (bad != null) {
      return bad.getMessage();
    }
    if (findCause(e, OutOfMemoryError.class) != null) {
      return outOfMemory();
    }
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    Throwable root = chain.get(chain.size() - 1);
    String message = root.getMessage();
    if (message == null) {
      return root.getClass().getName();
    }
    // The wrapper nearest the root that adds to its message says where ("cannot write spill
    // file F in directory D (No space left on device)"); the root alone would not.
    for (int i = chain.size() - 2; i >= 0; i--) {
      String outer = chain.get(i).getMessage();
      if (outer != null
          && outer.contains(message)
          && outer.length() > message.length()
          && !outer.equals(root.toString())) {
        return String.format(Locale.ROOT, "%s (%s)", outer, root.getClass().getSimpleName());
      }
    }
    return String.format(Locale.ROOT, "%s (%s)", message, root.getClass().getSimpleName());
  }

  static String outOfMemory() {
    String longest = LongestLine.describe();
    return String.format(
        Locale.ROOT,
        "out of memory: this JVM's heap of %d MiB is too small for"
            + " the job beside its --memory budget (a job needs the budget plus about %d MiB, and"
            + " about four times its longest line%s); give java a larger -Xmx or the job a smaller"
            + " --memory",
        Runtime.getRuntime().maxMemory() >> 20,
        JobSetup.HEAP_BESIDE_BUDGET >> 20,
        longest == null ? "" : ", which so far is " + longest);
  }

  /**
   * Ends the process with a clear message and exit code 1 when any thread runs out of memory and
   * nothing caught it: a runner's worker thread that dies of it can leave the job waiting forever
   * for its bundle. The exit runs the shutdown hooks (the work directory goes); a halt follows if
   * they do not end in time.
   */
  public static void exitOnUncaughtOutOfMemory(PrintStream err) {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) -> {
          if (findCause(e, OutOfMemoryError.class) == null) {
            if (previous != null) {
              previous.uncaughtException(thread, e);
            } else {
              e.printStackTrace();
            }
            return;
          }
          err.println("error: " + outOfMemory() + " (in thread " + thread.getName() + ")");
          err.flush();
          Thread halt =
              new Thread(
                  () -> {
                    try {
                      Thread.sleep(STOP_WAIT_MILLIS * 2);
                    } catch (InterruptedException ignored) {
                      // halting now is as good
                    }
                    Runtime.getRuntime().halt(1);
                  },
                  "spillway-halt-after-out-of-memory");
          halt.setDaemon(true);
          halt.start();
          System.exit(1);
        });
  }

  static <T extends Throwable> T findCause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static void deleteRecursively(Path dir, PrintStream err) {
    try {
      WorkDirectory.deleteRecursively(dir);
    } catch (IOException e) {
      err.println("warning: cannot delete " + dir + ": " + e.getMessage());
    }
  }
}
