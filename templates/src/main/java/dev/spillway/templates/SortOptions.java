package dev.spillway.templates;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/** Parameters of the {@code sort} job. */
public interface SortOptions extends JobOptions {
  @Description("The column to sort by (header name or 1-based number)")
  @Validation.Required
  String getColumn();

  void setColumn(String column);

  @Description("Compare the column as a number (true) or as text, by Unicode code point (false)")
  @Default.Boolean(false)
  Boolean getNumeric();

  void setNumeric(Boolean numeric);

  @Description("Sort from the largest to the smallest")
  @Default.Boolean(false)
  Boolean getDescending();

  void setDescending(Boolean descending);

  @Description(
      "Key ranges sorted in parallel, each reading the input once (a sample picks their bounds)")
  @Default.Integer(4)
  Integer getRanges();

  void setRanges(Integer ranges);
}
