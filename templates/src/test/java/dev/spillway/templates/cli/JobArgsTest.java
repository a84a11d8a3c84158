package dev.spillway.templates.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.spillway.templates.GroupOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.junit.Test;
import picocli.CommandLine;

/** The runner options the command line's switches set. */
public class JobArgsTest {
  private static FlinkPipelineOptions flinkOptions(String... extra) {
    JobArgs args = new JobArgs();
    String[] common = {"-i", "in.csv", "-o", "out.csv", "--runner", "flink"};
    String[] all = new String[common.length + extra.length];
    System.arraycopy(common, 0, all, 0, common.length);
    System.arraycopy(extra, 0, all, common.length, extra.length);
    new CommandLine(args).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(all);
    return args.toOptions(GroupOptions.class).as(FlinkPipelineOptions.class);
  }

  /**
   * {@code --flink-datastream}: the DataStream translation, bundles as large as the input, and
   * elements handed between chained steps without a copy.
   */
  @Test
  public void flinkDataStreamSetsTheTranslationBundlesAndObjectReuse() {
    FlinkPipelineOptions o = flinkOptions("--flink-datastream");
    assertTrue(o.getUseDataStreamForBatch());
    assertEquals(100_000_000L, (long) o.getMaxBundleSize());
    assertEquals(6_000_000L, (long) o.getMaxBundleTimeMills());
    assertTrue(o.getObjectReuse());
  }

  /** Flink's DataSet translation keeps Beam's defaults: its drivers may reuse input objects. */
  @Test
  public void flinkDataSetKeepsBeamsDefaults() {
    FlinkPipelineOptions o = flinkOptions();
    assertFalse(o.getUseDataStreamForBatch());
    assertFalse(o.getObjectReuse());
  }
}
