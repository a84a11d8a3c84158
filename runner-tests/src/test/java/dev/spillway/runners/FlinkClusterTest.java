package dev.spillway.runners;

import static org.junit.Assert.assertTrue;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import dev.spillway.transforms.WindowedScenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The transforms on a real Flink session cluster: a JobManager and two TaskManagers, separate
 * JVMs ({@link FlinkSessionCluster}), jobs submitted over REST as a user's would be. The spill
 * directories the TaskManagers use are empty after every job.
 */
public class FlinkClusterTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static FlinkSessionCluster cluster;

  @BeforeClass
  public static void startCluster() throws Exception {
    cluster = FlinkSessionCluster.start(TMP.newFolder("flink").toPath(), 256);
  }

  @AfterClass
  public static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  public void combineAndStreamedGroupsOnTheClusterEqualTheModel() throws Exception {
    Path dir = TMP.newFolder().toPath();
    Pipeline p = Pipeline.create(cluster.options());
    Map<Integer, long[]> model = new HashMap<>();
    List<KV<Integer, Long>> data = ProcessGroupsTest.hotKeyInput(model);
    Map<Integer, Long> sums = new HashMap<>();
    data.forEach(kv -> sums.merge(kv.getKey(), kv.getValue(), Long::sum));
    List<KV<Integer, Long>> expectedSums = new ArrayList<>();
    sums.forEach((k, v) -> expectedSums.add(KV.of(k, v)));
    var in = p.apply(Create.of(data).withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())));
    PipelineAsserts.assertSameElements(in.apply("Sum",
        SpillingCombine.<Integer, Long, Long>perKey(Sum.ofLongs())
            .withOptions(PipelineSupport.smallBudget(dir, 256 << 10))), expectedSums);
    PipelineAsserts.assertSameElements(in.apply("Group", SpillingGroupByKey.<Integer, Long>create()
            .withOptions(PipelineSupport.smallBudget(dir, 256 << 10))
            .thenProcess(new ProcessGroupsTest.CountAndChecksum())),
        ProcessGroupsTest.expected(model));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertTrue(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT) > 0);
    PipelineSupport.awaitEmpty(dir, 30_000);
  }

  /** Windowed outputs counted downstream; the full windowing suite runs on embedded Flink. */
  @Test
  public void windowedOutputsAreCountedDownstreamOnTheCluster() throws Exception {
    Path dir = TMP.newFolder().toPath();
    Pipeline p = Pipeline.create(cluster.options());
    WindowedScenarios.countedDownstreamInFixedWindows(p,
        PipelineSupport.smallBudget(dir, 256 << 10), WindowedScenarios.Runner.FLINK);
    p.run().waitUntilFinish();
    PipelineSupport.awaitEmpty(dir, 30_000);
  }
}
