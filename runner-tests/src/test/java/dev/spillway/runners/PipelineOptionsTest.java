package dev.spillway.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillwayPipelineOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** spillway configured the Beam way: from the pipeline's command line, beside a runner's own. */
public class PipelineOptionsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void flinksParallelismSetsTheShards() {
    PipelineOptionsFactory.register(SpillwayPipelineOptions.class);
    FlinkPipelineOptions flink =
        PipelineOptionsFactory.fromArgs(
                "--runner=FlinkRunner", "--parallelism=24", "--spillwayMemory=1m")
            .withValidation()
            .as(FlinkPipelineOptions.class);
    assertEquals(24, (int) flink.as(SpillwayPipelineOptions.class).getParallelism());
    SpillOptions resolved = SpillOptions.resolve(null, flink);
    assertEquals(96, resolved.shards());
    assertEquals(1 << 20, resolved.memoryBudgetBytes());
  }

  @Test
  public void filesAsTheShuffleAreRefusedAtExpandOffTheDirectRunner() {
    Pipeline flink = Pipeline.create(PipelineSupport.localFlink());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                flink
                    .apply(Create.of(KV.of(1, 1L)))
                    .apply(
                        SpillingCombine.<Integer, Long, Long>perKey(Sum.ofLongs())
                            .withOptions(
                                SpillOptions.create().withShuffle(SpillOptions.Shuffle.FILES))));
    assertThat(e.getMessage(), containsString("Shuffle.FILES needs the DirectRunner"));
    assertThat(e.getMessage(), containsString("FlinkRunner"));
  }

  @Test
  public void aTransformWithoutOptionsSpillsWhereTheCommandLineSays() throws Exception {
    Path dir = tmp.newFolder("spill").toPath();
    PipelineOptionsFactory.register(SpillwayPipelineOptions.class);
    Pipeline p =
        Pipeline.create(
            PipelineOptionsFactory.fromArgs(
                    "--runner=DirectRunner",
                    "--spillwayMemory=128k",
                    "--spillwayDirectories=" + dir)
                .withValidation()
                .create());
    List<KV<Integer, Long>> data = new ArrayList<>();
    Map<Integer, Long> model = new HashMap<>();
    for (int i = 0; i < 60_000; i++) {
      int key = (i * 7919) % 20_000;
      data.add(KV.of(key, (long) i));
      model.merge(key, (long) i, Long::sum);
    }
    List<KV<Integer, Long>> expected = new ArrayList<>();
    model.forEach((k, v) -> expected.add(KV.of(k, v)));
    PipelineAsserts.assertSameElements(
        p.apply(Create.of(data).withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())))
            .apply(SpillingCombine.<Integer, Long, Long>perKey(Sum.ofLongs())),
        expected);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(
        "a 128 KiB budget spills",
        SpillMetrics.total(result, SpillMetrics.SPILL_COUNT),
        greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }
}
