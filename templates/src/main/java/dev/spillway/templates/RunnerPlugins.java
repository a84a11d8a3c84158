package dev.spillway.templates;

import java.util.Optional;
import java.util.ServiceLoader;
import org.apache.beam.sdk.options.PipelineOptions;

/** The {@link RunnerPlugin}s on the classpath. */
public final class RunnerPlugins {
  private RunnerPlugins() {}

  /** The plugin named {@code name}, if this jar carries it. */
  public static Optional<RunnerPlugin> named(String name) {
    for (RunnerPlugin plugin : ServiceLoader.load(RunnerPlugin.class)) {
      if (plugin.name().equals(name)) {
        return Optional.of(plugin);
      }
    }
    return Optional.empty();
  }

  /** The plugin whose runner {@code options} name, if any. */
  static Optional<RunnerPlugin> running(PipelineOptions options) {
    for (RunnerPlugin plugin : ServiceLoader.load(RunnerPlugin.class)) {
      if (plugin.runs(options)) {
        return Optional.of(plugin);
      }
    }
    return Optional.empty();
  }
}
