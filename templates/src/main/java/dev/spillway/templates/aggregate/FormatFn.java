package dev.spillway.templates.aggregate;

import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/** A group's output line: its key fields, then its aggregates. */
public final class FormatFn extends DoFn<KV<String, Stats>, String> {
  private static final long serialVersionUID = 1L;

  private final List<Aggregate> aggregates;
  private final char delimiter;

  public FormatFn(List<Aggregate> aggregates, char delimiter) {
    this.aggregates = List.copyOf(aggregates);
    this.delimiter = delimiter;
  }

  @ProcessElement
  public void process(@Element KV<String, Stats> group, OutputReceiver<String> out) {
    out.output(format(group.getKey(), group.getValue()));
  }

  /** The line of a group: its key fields as printed, then each aggregate. */
  public String format(String key, Stats stats) {
    StringBuilder line = new StringBuilder(key);
    for (Aggregate a : aggregates) {
      line.append(delimiter).append(stats.format(a));
    }
    return line.toString();
  }
}
