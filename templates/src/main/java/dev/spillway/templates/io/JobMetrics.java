package dev.spillway.templates.io;

/** The Beam counters the jobs report besides the transforms' own ({@code spillway/...}). */
public final class JobMetrics {
  public static final String NAMESPACE = "spillway-job";
  public static final String RECORDS_READ = "recordsRead";
  public static final String BAD_RECORDS = "badRecords";
  public static final String RECORDS_WRITTEN = "recordsWritten";

  private JobMetrics() {}
}
