package dev.spillway.templates;

import dev.spillway.transforms.SpillOptions;
import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * The parameters every spillway job takes. The jobs are Beam pipelines, so these are ordinary
 * {@link PipelineOptions}: {@code --input=... --output=... --memory=256m} on any runner.
 */
public interface JobOptions extends PipelineOptions {
  @Description(
      "Input: a file, a directory (its files), or a glob such as data/*.csv;"
          + " comma-separated for several")
  @Validation.Required
  String getInput();

  void setInput(String input);

  @Description("The output file; written under a temporary name and renamed when complete")
  @Validation.Required
  String getOutput();

  void setOutput(String output);

  @Description("Memory budget for spilling, per JVM: bytes or with k, m, g (e.g. 64m, 2g)")
  @Default.String("64m")
  String getMemory();

  void setMemory(String memory);

  @Description(
      "Directories to spill to (default: each worker's own: a Flink TaskManager's io.tmp.dirs,"
          + " Spark's local directories, else java.io.tmpdir); comma-separated for several")
  List<String> getSpillDirs();

  void setSpillDirs(List<String> dirs);

  @Description("Encrypt spilled data with AES-GCM under a per-engine key held only in memory")
  @Default.Boolean(false)
  Boolean getEncryptSpills();

  void setEncryptSpills(Boolean encrypt);

  @Description("Input field delimiter: auto (comma, or tab for .tsv files), tab, or one character")
  @Default.String("auto")
  String getDelimiter();

  void setDelimiter(String delimiter);

  @Description("Whether every input file starts with a header line naming its columns")
  @Default.Boolean(true)
  Boolean getHeader();

  void setHeader(Boolean header);

  @Description(
      "How records reach the step that merges them: AUTO (FILES on the DirectRunner,"
          + " RUNNER elsewhere), FILES (through files in the work directory; every worker must see"
          + " it) or RUNNER (the runner's own shuffle)")
  @Default.Enum("AUTO")
  SpillOptions.Shuffle getShuffle();

  void setShuffle(SpillOptions.Shuffle shuffle);

  @Description(
      "Hash shards that carry records to the step that merges them, each merged by one worker at"
          + " a time; 0 derives them from the parallelism: max(32, 4 x parallelism)")
  @Default.Integer(0)
  Integer getShards();

  void setShards(Integer shards);

  @Description("Count and report malformed lines instead of failing on the first")
  @Default.Boolean(false)
  Boolean getSkipBadRecords();

  void setSkipBadRecords(Boolean skip);
}
