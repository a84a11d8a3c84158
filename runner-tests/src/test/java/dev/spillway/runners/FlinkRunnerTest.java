package dev.spillway.runners;

import dev.spillway.transforms.SortValues;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The three transforms on an existing distributed engine: Beam's Flink runner in its embedded
 * local mode ({@code --runner=FlinkRunner --flinkMaster=[local]}), with two parallel subtasks, so
 * bundles run concurrently and share one memory budget.
 */
public class FlinkRunnerTest {
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void combineGroupAndSortOnFlinkEqualTheModel() throws Exception {
    Path dir = tmp.newFolder().toPath();
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setFlinkMaster("[local]");
    options.setParallelism(2);
    Pipeline p = Pipeline.create(options);

    Random random = new Random(7);
    List<KV<Integer, Long>> data = new ArrayList<>();
    Map<Integer, Long> sums = new HashMap<>();
    Map<Integer, List<Long>> groups = new HashMap<>();
    for (int i = 0; i < 30_000; i++) {
      int key = random.nextInt(3) == 0 ? 0 : random.nextInt(1_000);
      long value = random.nextInt(1_000_000);
      data.add(KV.of(key, value));
      sums.merge(key, value, Long::sum);
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    PCollection<KV<Integer, Long>> in = p.apply(Create.of(data)
        .withCoder(KvCoder.of(VarIntCoder.of(), BigEndianLongCoder.of())));

    List<KV<Integer, Long>> expectedSums = new ArrayList<>();
    sums.forEach((k, v) -> expectedSums.add(KV.of(k, v)));
    PipelineSupport.assertSameElements(in.apply("Sum",
        SpillingCombine.<Integer, Long, Long>perKey(Sum.ofLongs())
            .withOptions(PipelineSupport.smallBudget(dir, 256 << 10))), expectedSums);
    PipelineSupport.assertSameElements(in.apply("BeamSum", Combine.perKey(Sum.ofLongs())),
        expectedSums);

    // Group, then sort each group's values by themselves as secondary keys.
    List<String> expectedSorted = new ArrayList<>();
    groups.forEach((k, vs) -> {
      List<Long> sorted = new ArrayList<>(vs);
      sorted.sort(Comparator.naturalOrder());
      expectedSorted.add(k + "=" + sorted);
    });
    PCollection<String> sorted = in
        .apply("Pairs", MapElements.into(TypeDescriptors.kvs(TypeDescriptors.integers(),
                TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptors.longs())))
            .via(kv -> KV.of(kv.getKey(), KV.of(kv.getValue(), kv.getValue()))))
        .setCoder(KvCoder.of(VarIntCoder.of(),
            KvCoder.of(BigEndianLongCoder.of(), BigEndianLongCoder.of())))
        .apply("Group", SpillingGroupByKey.<Integer, KV<Long, Long>>create()
            .withOptions(PipelineSupport.smallBudget(dir, 256 << 10)))
        .apply("Sort", SortValues.<Integer, Long, Long>create(
            PipelineSupport.smallBudget(dir, 256 << 10)))
        .apply("Describe", ParDo.of(new DescribeSorted()));
    PipelineSupport.assertSameElements(sorted, expectedSorted);

    p.run().waitUntilFinish();
    PipelineSupport.assertEmpty(dir);
  }

  /** "key=[secondary keys in emitted order]". */
  static final class DescribeSorted
      extends org.apache.beam.sdk.transforms.DoFn<KV<Integer, Iterable<KV<Long, Long>>>, String> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<KV<Long, Long>>> e,
        OutputReceiver<String> out) {
      List<Long> keys = new ArrayList<>();
      e.getValue().forEach(kv -> keys.add(kv.getKey()));
      out.output(e.getKey() + "=" + keys);
    }
  }
}
