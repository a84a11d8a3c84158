package dev.spillway.runners;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SalesJobs;
import dev.spillway.transforms.SpillDirectoriesSeen;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import dev.spillway.transforms.WindowedScenarios;
import java.io.IOException;
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
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The transforms on a real Flink session cluster: a JobManager and two TaskManagers, separate JVMs
 * ({@link FlinkSessionCluster}), jobs submitted over REST as a user's would be. The spill
 * directories the TaskManagers use are empty after every job.
 */
public class FlinkClusterTest {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  /** The system property naming the command line's jar (set by this module's build). */
  private static final String JAR = "spillway.jar";

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
    PipelineAsserts.assertSameElements(
        in.apply(
            "Sum",
            SpillingCombine.<Integer, Long, Long>perKey(Sum.ofLongs())
                .withOptions(PipelineSupport.smallBudget(dir, 256 << 10))),
        expectedSums);
    PipelineAsserts.assertSameElements(
        in.apply(
            "Group",
            SpillingGroupByKey.<Integer, Long>create()
                .withOptions(PipelineSupport.smallBudget(dir, 256 << 10))
                .thenProcess(new ProcessGroupsTest.CountAndChecksum())),
        ProcessGroupsTest.expected(model));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertTrue(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT) > 0);
    // The shards spread the merge over every slot: each subtask of the merge step read blocks.
    List<Long> perSubtask = recordsReadPerSubtask("Sum/MergeShards");
    assertEquals("the merge step's subtasks: " + perSubtask, 2, perSubtask.size());
    assertTrue("a slot merged nothing: " + perSubtask, perSubtask.stream().allMatch(n -> n > 0));
    PipelineAsserts.awaitEmpty(dir, 30_000);
  }

  /**
   * Given no spill directories, the engines on a TaskManager spill to its {@code io.tmp.dirs} (the
   * disks the cluster gave Flink), not to its {@code java.io.tmpdir}: a processor of the hot key's
   * group, which the merge step spilled, looks into both while the group's files exist. Both are
   * empty after the job.
   */
  @Test
  public void withoutSpillDirectoriesTheEnginesSpillToTheTaskManagersIoTmpDirs() throws Exception {
    Pipeline p = Pipeline.create(cluster.options());
    List<KV<Integer, Long>> data = ProcessGroupsTest.hotKeyInput(new HashMap<>());
    PCollection<String> seen =
        p.apply(Create.of(data).withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())))
            .apply(
                SpillingGroupByKey.<Integer, Long>create()
                    .withOptions(SpillOptions.create().withMemoryBudgetBytes(256 << 10))
                    .thenProcess(
                        new SpillDirectoriesSeen<>(cluster.ioTmpDir(), cluster.javaTmpDir())));
    PAssert.that(seen).satisfies(SpillDirectoriesSeen.onlyInTheRunnersDirectory());
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertTrue(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT) > 0);
    SpillDirectoriesSeen.awaitNone(cluster.ioTmpDir());
    SpillDirectoriesSeen.awaitNone(cluster.javaTmpDir());
  }

  /**
   * The records each subtask of the last finished job's vertex running {@code step} read (for a
   * merge step: the shuffled blocks it merged), from the cluster's REST API.
   */
  private static List<Long> recordsReadPerSubtask(String step) throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode last = null;
    for (JsonNode job : json.readTree(cluster.rest("/jobs/overview")).get("jobs")) {
      if (job.get("state").asText().equals("FINISHED")
          && (last == null || job.get("end-time").asLong() > last.get("end-time").asLong())) {
        last = job;
      }
    }
    assertTrue("no finished job on the cluster", last != null);
    String jobPath = "/jobs/" + last.get("jid").asText();
    List<Long> records = new ArrayList<>();
    for (JsonNode vertex : json.readTree(cluster.rest(jobPath)).get("vertices")) {
      if (vertex.get("name").asText().contains(step)) {
        JsonNode detail =
            json.readTree(cluster.rest(jobPath + "/vertices/" + vertex.get("id").asText()));
        for (JsonNode subtask : detail.get("subtasks")) {
          records.add(subtask.get("metrics").get("read-records").asLong());
        }
      }
    }
    return records;
  }

  /**
   * {@link FlinkRunnerTest}'s sums, combine feeding a combine, and group then sort, on the cluster
   * with Flink's DataStream translation of batch ({@code --useDataStreamForBatch=true}, the only
   * one Flink 2 keeps): every spillway step of a TaskManager on one 256 KiB pool.
   */
  @Test
  public void combineGroupAndSortOnTheDataStreamTranslationEqualTheModel() throws Exception {
    Path dir = TMP.newFolder().toPath();
    FlinkPipelineOptions options = cluster.options();
    options.setUseDataStreamForBatch(true);
    Pipeline p = Pipeline.create(options);
    FlinkRunnerTest.combineGroupAndSortAgainstTheModel(p, dir);
    p.run().waitUntilFinish();
    PipelineAsserts.awaitEmpty(dir, 30_000);
  }

  /** Windowed outputs counted downstream; the full windowing suite runs on embedded Flink. */
  @Test
  public void windowedOutputsAreCountedDownstreamOnTheCluster() throws Exception {
    Path dir = TMP.newFolder().toPath();
    Pipeline p = Pipeline.create(cluster.options());
    WindowedScenarios.countedDownstreamInFixedWindows(
        p, PipelineSupport.smallBudget(dir, 256 << 10), WindowedScenarios.Runner.FLINK);
    p.run().waitUntilFinish();
    PipelineAsserts.awaitEmpty(dir, 30_000);
  }

  /**
   * The command line's three jobs as a user runs them against the cluster ({@code java -jar
   * spillway.jar JOB … --runner flink --flink-master HOST:PORT}: the jar travels with the job) over
   * a realistic CSV, on Flink's DataSet translation and on its DataStream translation ({@code
   * --flink-datastream}, the only one Flink 2 keeps, where the merge steps spool their shards): the
   * same output as the same job on the DirectRunner ({@link SalesJobs#assertSameOutput}), spilling
   * on the TaskManagers, nothing left in the spill directory.
   */
  @Test
  public void theJobsWriteOnTheClusterWhatTheyWriteOnTheDirectRunner() throws Exception {
    List<String> dataSet = List.of("--runner", "flink", "--flink-master", cluster.restAddress());
    List<String> dataStream = new ArrayList<>(dataSet);
    dataStream.add("--flink-datastream");
    SalesJobs.assertEachJobMatchesTheDirectRunner(
        JAR,
        TMP.newFolder().toPath(),
        7,
        "256m",
        Map.of("flink", dataSet, "flink-datastream", dataStream));
  }
}
