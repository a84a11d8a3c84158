package dev.spillway.runners;

import dev.spillway.transforms.LargeRecordScenarios;
import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SortValues;
import dev.spillway.transforms.SpillOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Values and keys larger than the whole memory budget, among many small ones, give what Beam's
 * built-ins give: each such record is written to disk (or handed on) by itself instead of being
 * refused (it was refused, naming its size and the budget, until 2026-12-06), and nothing is left
 * behind.
 */
public class LargeValuesTest {
  private static final int BUDGET = LargeRecordScenarios.BUDGET;

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void valuesLargerThanTheBudgetAreGroupedAsByGroupByKey() throws Exception {
    groupsAsGroupByKey(SpillOptions.Shuffle.AUTO, null);
  }

  private void groupsAsGroupByKey(SpillOptions.Shuffle shuffle, Duration sessionGap)
      throws Exception {
    Path dir = tmp.newFolder().toPath();
    LargeRecordScenarios.groupsAsGroupByKey(p, dir, shuffle, sessionGap);
    LargeRecordScenarios.runAndCheck(p.run(), dir);
  }

  /** Streamed from the engine to a GroupProcessor, each group read twice. */
  @Test
  public void valuesLargerThanTheBudgetAreStreamedToAGroupProcessor() throws Exception {
    Path dir = tmp.newFolder().toPath();
    LargeRecordScenarios.processesGroupsStreamed(p, dir);
    LargeRecordScenarios.runAndCheck(p.run(), dir);
  }

  /** The partial step's blocks through the runner's shuffle instead of files. */
  @Test
  public void valuesLargerThanTheBudgetAreGroupedAsByGroupByKeyThroughTheRunnersShuffle()
      throws Exception {
    groupsAsGroupByKey(SpillOptions.Shuffle.RUNNER, null);
  }

  /**
   * Sessions of 10 ms over elements stamped with their position (a key's elements 20 ms apart on
   * average: single ones and merged runs); the merge step sorts a shard's records by key and window
   * start, large values among them.
   */
  @Test
  public void valuesLargerThanTheBudgetAreGroupedInSessionsAsByGroupByKey() throws Exception {
    groupsAsGroupByKey(SpillOptions.Shuffle.AUTO, Duration.millis(10));
  }

  /**
   * Keys of two and three times the budget, five times each among small keys: the combine's steps
   * hand them on or spill them one record at a time, and the sums are the built-in's.
   */
  @Test
  public void keysLargerThanTheBudgetAreSummedAsByCombinePerKey() throws Exception {
    Path dir = tmp.newFolder().toPath();
    LargeRecordScenarios.sumsAsCombinePerKey(p, dir);
    LargeRecordScenarios.runAndCheck(p.run(), dir);
  }

  /**
   * Both, on Beam's Flink runner (embedded, two subtasks): the runner's shuffle carries the large
   * records' blocks, and the engines of both subtasks share the budget.
   */
  @Test
  public void onFlinkLargeValuesAndKeysGiveTheBuiltInsResults() throws Exception {
    Path groups = tmp.newFolder().toPath();
    Path sums = tmp.newFolder().toPath();
    Pipeline flink = Pipeline.create(PipelineSupport.localFlink());
    LargeRecordScenarios.groupsAsGroupByKey(flink, groups, SpillOptions.Shuffle.AUTO, null);
    LargeRecordScenarios.sumsAsCombinePerKey(flink, sums);
    LargeRecordScenarios.runAndCheck(flink.run(), groups, sums);
  }

  /** A sorted group as its key and each value's secondary key, length and hash, in order. */
  static final class DescribeSorted extends DoFn<KV<String, Iterable<KV<Long, byte[]>>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<Long, byte[]>>> group, OutputReceiver<String> out) {
      out.output(group.getKey() + "=" + describeSorted(group.getValue()));
    }
  }

  private static String describeSorted(Iterable<KV<Long, byte[]>> values) {
    List<String> out = new ArrayList<>();
    for (KV<Long, byte[]> v : values) {
      out.add(v.getKey() + ":" + v.getValue().length + ":" + Arrays.hashCode(v.getValue()));
    }
    return out.toString();
  }

  @Test
  public void valuesLargerThanTheBudgetAreSortedAsTheModelSortsThem() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Random random = new Random(6);
    List<KV<String, Iterable<KV<Long, byte[]>>>> groups = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int g = 0; g < 3; g++) {
      List<KV<Long, byte[]>> values = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        // Distinct secondary keys, so that the order is the model's whatever the sort's stability.
        int size = i % 1_000 == 500 ? 3 * BUDGET + i : random.nextInt(30);
        values.add(
            KV.of(i * 7_919L % 3_001 + 1_000L * g, LargeRecordScenarios.bytes(random, size)));
      }
      groups.add(KV.of("g" + g, values));
      List<KV<Long, byte[]>> sorted = new ArrayList<>(values);
      sorted.sort(Comparator.comparing(KV::getKey));
      expected.add("g" + g + "=" + describeSorted(sorted));
    }
    PCollection<String> ours =
        p.apply(
                Create.of(groups)
                    .withCoder(
                        KvCoder.of(
                            StringUtf8Coder.of(),
                            org.apache.beam.sdk.coders.IterableCoder.of(
                                KvCoder.of(BigEndianLongCoder.of(), ByteArrayCoder.of())))))
            .apply(
                SortValues.<String, Long, byte[]>create()
                    .withOptions(PipelineSupport.smallBudget(dir, BUDGET)))
            .apply(ParDo.of(new DescribeSorted()));
    PipelineAsserts.assertSameElements(ours, expected);
    LargeRecordScenarios.runAndCheck(p.run(), dir);
  }
}
