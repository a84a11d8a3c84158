package dev.spillway.transforms;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.spillway.spill.CompressionCodec;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.DefaultValueFactory;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Hidden;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * spillway's settings as Beam pipeline options, read by every spillway transform that was given no
 * {@link SpillOptions} of its own, so that a pipeline, a template or a cluster job is configured
 * from its command line like any Beam option:
 *
 * <pre>
 * --spillwayMemory=512m --spillwayDirectories=/mnt/a,/mnt/b --spillwayCodec=SNAPPY
 * --spillwayEncrypt=true --spillwayShards=128 --spillwayShuffle=AUTO
 * </pre>
 *
 * <p>The budget is per worker JVM (each TaskManager of a Flink cluster, each Spark executor),
 * shared by every engine there. Without {@code --spillwayShards}, partial results move through the
 * runner's shuffle in {@code max(32, 4 × parallelism)} shards, so the merge step can use every
 * slot: the parallelism is the runner's {@code --parallelism} (Flink) when set.
 */
public interface SpillwayPipelineOptions extends PipelineOptions {
  @Description(
      "spillway: memory budget per worker JVM, shared by its engines: bytes or with"
          + " k, m, g (e.g. 64m, 2g)")
  @Default.String("64m")
  String getSpillwayMemory();

  void setSpillwayMemory(String memory);

  @Description(
      "spillway: directories to spill to, comma-separated (default: the worker's"
          + " temporary directories: a Flink TaskManager's io.tmp.dirs, Spark's local"
          + " directories, else java.io.tmpdir)")
  List<String> getSpillwayDirectories();

  void setSpillwayDirectories(List<String> directories);

  @Description("spillway: codec of spilled blocks: LZ4, SNAPPY or NONE")
  @Default.Enum("LZ4")
  CompressionCodec getSpillwayCodec();

  void setSpillwayCodec(CompressionCodec codec);

  @Description("spillway: encrypt spilled blocks with AES-GCM under per-engine keys")
  @Default.Boolean(false)
  Boolean getSpillwayEncrypt();

  void setSpillwayEncrypt(Boolean encrypt);

  @Description(
      "spillway: hash shards of the partial results in the runner's shuffle; 0 derives"
          + " them from the parallelism")
  @Default.Integer(0)
  Integer getSpillwayShards();

  void setSpillwayShards(Integer shards);

  @Description(
      "spillway: how partial results cross the runner's shuffle: AUTO (files on the"
          + " DirectRunner, which holds its shuffle on the heap; the runner's elsewhere), FILES (the"
          + " DirectRunner only) or RUNNER")
  @Default.Enum("AUTO")
  SpillOptions.Shuffle getSpillwayShuffle();

  void setSpillwayShuffle(SpillOptions.Shuffle shuffle);

  @Description(
      "spillway: a combine's step before the shuffle sends a full table's partial"
          + " results on through the shuffle instead of spilling them")
  @Default.Boolean(false)
  Boolean getSpillwayFlushPartials();

  void setSpillwayFlushPartials(Boolean flush);

  /** The runner's parallelism where it has one (the same property as Flink's option). */
  @Description(
      "The degree of parallelism to be used when distributing operations onto workers. "
          + "If the parallelism is not set, the configured Flink default is used, or 1 if none can be found.")
  @Default.Integer(-1)
  Integer getParallelism();

  void setParallelism(Integer parallelism);

  /**
   * Names one run of a pipeline, for spillway's own use (the file exchange of the DirectRunner):
   * made when first asked for and never serialized, so each copy of the options a runner makes for
   * a run has its own. Unlike {@link #getOptionsId()}, which a copy keeps, it tells a second run of
   * the same pipeline from the first.
   */
  @Hidden
  @JsonIgnore
  @Default.InstanceFactory(NewRunId.class)
  String getSpillwayRunId();

  void setSpillwayRunId(String runId);

  /** A fresh {@link #getSpillwayRunId()}. */
  class NewRunId implements DefaultValueFactory<String> {
    @Override
    public String create(PipelineOptions options) {
      return UUID.randomUUID().toString();
    }
  }
}
