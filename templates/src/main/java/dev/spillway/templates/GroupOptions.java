package dev.spillway.templates;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/** Parameters of the {@code group} job. */
public interface GroupOptions extends JobOptions {
  @Description("Columns to group by (header names or 1-based numbers), comma-separated")
  @Validation.Required
  String getKey();

  void setKey(String columns);

  @Description("The column whose values are collected (default: the whole line)")
  String getValue();

  void setValue(String column);

  @Description("What joins a key's values in the output field")
  @Default.String(";")
  String getSeparator();

  void setSeparator(String separator);
}
