package dev.spillway.transforms;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The temporary directories of the runner's worker this JVM is, where the runner has its own: on a
 * Flink TaskManager, its {@code io.tmp.dirs}, the local disks Flink itself spills to (a cluster
 * points them at its large disks, and they often differ from the JVM's {@code java.io.tmpdir}); in
 * a Spark executor, Spark's local directories ({@link #ofSparkExecutor}); else none, and the
 * engines use {@code java.io.tmpdir}. Spill directories given to the transform or the pipeline
 * always win.
 *
 * <p>A Flink TaskManager is recognized by its command line ({@code TaskManagerRunner} and the
 * runners of YARN and Kubernetes take {@code --configDir DIR} and {@code -D key=value} dynamic
 * properties); its configuration is then loaded as it loaded its own, through Flink's {@code
 * GlobalConfiguration} (reached by reflection: this module does not depend on Flink), and its
 * {@code io.tmp.dirs} parsed by Flink's {@code ConfigurationUtils.parseTempDirectories}. Anything
 * that goes wrong falls back to {@code java.io.tmpdir}: the lookup never fails a job. On YARN
 * ({@code YarnTaskExecutorRunner}), Flink sets {@code io.tmp.dirs} inside the TaskManager to the
 * container's local directories (the {@code LOCAL_DIRS} variable YARN gives it) unless the
 * configuration sets it, which no command line shows: the lookup does the same, through the same
 * method of Flink's ({@code BootstrapTools.updateTmpDirectoriesInConfiguration}). Looked up once
 * per JVM.
 */
final class RunnerTempDirectories {
  private static final String CONFIGURATION = "org.apache.flink.configuration.Configuration";
  private static final String GLOBAL_CONFIGURATION =
      "org.apache.flink.configuration.GlobalConfiguration";
  private static final String CONFIGURATION_UTILS =
      "org.apache.flink.configuration.ConfigurationUtils";
  private static final String BOOTSTRAP_TOOLS =
      "org.apache.flink.runtime.clusterframework.BootstrapTools";

  /** The variable YARN gives a container naming its local directories. */
  static final String YARN_LOCAL_DIRS = "LOCAL_DIRS";

  private static final String SPARK_ENV = "org.apache.spark.SparkEnv";
  private static final String SPARK_CONF = "org.apache.spark.SparkConf";
  private static final String SPARK_UTILS = "org.apache.spark.util.Utils";

  private static volatile Optional<List<Path>> flink;

  /** The Spark environment last looked up, and its directories: one field, so read together. */
  private static volatile SparkLookup spark = new SparkLookup(new WeakReference<>(null), List.of());

  private record SparkLookup(WeakReference<Object> env, List<Path> dirs) {}

  private RunnerTempDirectories() {}

  /** The runner's temporary directories on this worker, or empty for {@code java.io.tmpdir}. */
  static List<Path> ofThisWorker() {
    Optional<List<Path>> dirs = flink;
    if (dirs == null) {
      dirs = Optional.of(ofFlinkTaskManager(commandLine(), System.getenv()));
      flink = dirs;
    }
    return dirs.get().isEmpty() ? ofSparkExecutor() : dirs.get();
  }

  /**
   * The local directories of this JVM's Spark environment, where Spark itself spills and shuffles
   * ({@code spark.local.dir}, {@code SPARK_LOCAL_DIRS}, YARN's local directories: Spark's own
   * {@code Utils.getConfiguredLocalDirs}), or empty where no Spark runs. Looked up again when the
   * environment changes (a new context in the same JVM, as tests make).
   */
  static List<Path> ofSparkExecutor() {
    if (SparkMethods.LOCAL_DIRS == null) {
      return List.of();
    }
    try {
      Object env = SparkMethods.GET_ENV.invoke(null);
      if (env == null) {
        return List.of();
      }
      SparkLookup last = spark;
      if (env == last.env().get()) {
        return last.dirs();
      }
      Object conf = SparkMethods.CONF.invoke(env);
      List<Path> paths = paths((String[]) SparkMethods.LOCAL_DIRS.invoke(null, conf));
      spark = new SparkLookup(new WeakReference<>(env), paths);
      return paths;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return List.of();
    }
  }

  /**
   * Spark's methods, found once: all null where Spark is not on the class path, so that every
   * engine made there does not look again (a class not found costs an exception).
   */
  private static final class SparkMethods {
    static final Method GET_ENV;
    static final Method CONF;
    static final Method LOCAL_DIRS;

    static {
      Method get = null;
      Method conf = null;
      Method localDirs = null;
      try {
        ClassLoader loader = RunnerTempDirectories.class.getClassLoader();
        Class<?> env = Class.forName(SPARK_ENV, true, loader);
        get = env.getMethod("get");
        conf = env.getMethod("conf");
        localDirs =
            Class.forName(SPARK_UTILS, true, loader)
                .getMethod("getConfiguredLocalDirs", Class.forName(SPARK_CONF, true, loader));
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        localDirs = null;
      }
      GET_ENV = get;
      CONF = conf;
      LOCAL_DIRS = localDirs;
    }
  }

  private static List<Path> paths(String[] dirs) {
    List<Path> paths = new ArrayList<>();
    for (String dir : dirs) {
      paths.add(Paths.get(dir));
    }
    return paths;
  }

  /**
   * This JVM's command line: exactly from {@code /proc/self/cmdline} on Linux; else the main class
   * and its arguments the launcher records, split at spaces. Not {@code ProcessHandle}'s: it gives
   * nothing for a command line as long as a TaskManager's class path makes it (93 KB measured).
   */
  private static List<String> commandLine() {
    try {
      byte[] bytes = Files.readAllBytes(Paths.get("/proc/self/cmdline"));
      return List.of(new String(bytes, StandardCharsets.UTF_8).split("\0"));
    } catch (IOException | RuntimeException e) {
      String command = System.getProperty("sun.java.command", "");
      return List.of(command.trim().split(" +"));
    }
  }

  /**
   * The {@code io.tmp.dirs} of the Flink TaskManager started with JVM {@code arguments} in a
   * process whose variables are {@code environment}, or empty if they do not start one, or its
   * configuration cannot be read.
   */
  static List<Path> ofFlinkTaskManager(List<String> arguments, Map<String, String> environment) {
    String configDir = null;
    List<String[]> dynamic = new ArrayList<>();
    boolean taskManager = false;
    boolean onYarn = false;
    for (int i = 0; i < arguments.size(); i++) {
      String a = arguments.get(i);
      if (a.endsWith("TaskManagerRunner") || a.endsWith("TaskExecutorRunner")) {
        taskManager = true;
        onYarn = a.endsWith("YarnTaskExecutorRunner");
      } else if (taskManager && (a.equals("--configDir") || a.equals("-c"))) {
        configDir = i + 1 < arguments.size() ? arguments.get(++i) : null;
      } else if (taskManager && a.startsWith("-D")) {
        // Flink's dynamic properties: "-D key=value" or "-Dkey=value".
        String property = a.length() > 2 ? a.substring(2) : next(arguments, ++i);
        int eq = property == null ? -1 : property.indexOf('=');
        if (eq > 0) {
          dynamic.add(new String[] {property.substring(0, eq), property.substring(eq + 1)});
        }
      }
    }
    if (!taskManager || configDir == null) {
      return List.of();
    }
    try {
      ClassLoader loader = RunnerTempDirectories.class.getClassLoader();
      Class<?> configurationClass = Class.forName(CONFIGURATION, true, loader);
      Object properties = configurationClass.getConstructor().newInstance();
      Method setString = configurationClass.getMethod("setString", String.class, String.class);
      for (String[] kv : dynamic) {
        setString.invoke(properties, kv[0], kv[1]);
      }
      Object configuration =
          Class.forName(GLOBAL_CONFIGURATION, true, loader)
              .getMethod("loadConfiguration", String.class, configurationClass)
              .invoke(null, configDir, properties);
      String yarnLocalDirs = environment.get(YARN_LOCAL_DIRS);
      if (onYarn && yarnLocalDirs != null) {
        Class.forName(BOOTSTRAP_TOOLS, true, loader)
            .getMethod("updateTmpDirectoriesInConfiguration", configurationClass, String.class)
            .invoke(null, configuration, yarnLocalDirs);
      }
      String[] dirs =
          (String[])
              Class.forName(CONFIGURATION_UTILS, true, loader)
                  .getMethod("parseTempDirectories", configurationClass)
                  .invoke(null, configuration);
      return paths(dirs);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return List.of();
    }
  }

  private static String next(List<String> arguments, int i) {
    return i < arguments.size() ? arguments.get(i) : null;
  }
}
