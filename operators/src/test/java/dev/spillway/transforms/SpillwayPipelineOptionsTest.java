package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;

import dev.spillway.spill.CompressionCodec;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/** Transforms given no SpillOptions read the pipeline's; shards follow the parallelism. */
public class SpillwayPipelineOptionsTest {
  private static PipelineOptions args(String... args) {
    PipelineOptionsFactory.register(SpillwayPipelineOptions.class);
    return PipelineOptionsFactory.fromArgs(args).create();
  }

  @Test
  public void theCommandLineConfiguresTransformsWithoutOptions() {
    SpillOptions o =
        SpillOptions.resolve(
            null,
            args(
                "--spillwayMemory=128k",
                "--spillwayDirectories=/mnt/a,/mnt/b",
                "--spillwayCodec=SNAPPY",
                "--spillwayEncrypt=true",
                "--parallelism=16"));
    assertEquals(128 << 10, o.memoryBudgetBytes());
    assertEquals(List.of("/mnt/a", "/mnt/b"), o.spillDirectories());
    assertEquals(CompressionCodec.SNAPPY, o.codec());
    assertEquals(true, o.spillEncryption());
    assertEquals("4 shards per unit of parallelism", 64, o.shards());
  }

  @Test
  public void shardsAreAtLeast32AndGivenOnesAreKept() {
    assertEquals(32, SpillOptions.resolve(null, args()).shards());
    assertEquals(32, SpillOptions.resolve(null, args("--parallelism=2")).shards());
    assertEquals(
        7, SpillOptions.resolve(null, args("--spillwayShards=7", "--parallelism=100")).shards());
    assertEquals(
        400, SpillOptions.resolve(SpillOptions.create(), args("--parallelism=100")).shards());
    SpillOptions given = SpillOptions.create().withShards(5).withMemoryBudgetBytes(1 << 20);
    assertSame(
        "given options win over the pipeline's",
        given,
        SpillOptions.resolve(given, args("--spillwayMemory=2g", "--parallelism=100")));
  }

  @Test(expected = IllegalArgumentException.class)
  public void aBadMemorySizeFailsAtConstruction() {
    SpillOptions.resolve(null, args("--spillwayMemory=lots"));
  }
}
