package dev.spillway.templates;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/** Parameters of the {@code aggregate} job. */
public interface AggregateOptions extends JobOptions {
  @Description("Columns to group by (header names or 1-based numbers), comma-separated")
  @Validation.Required
  String getGroupBy();

  void setGroupBy(String columns);

  @Description("Aggregates, comma-separated: count, sum:COL, min:COL, max:COL, mean:COL")
  @Validation.Required
  String getAggregate();

  void setAggregate(String aggregates);
}
