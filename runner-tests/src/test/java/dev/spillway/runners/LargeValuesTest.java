package dev.spillway.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SortValues;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillingGroupByKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Values larger than the whole memory budget, among many small ones, give what Beam's built-ins
 * give: each such value is written to disk by itself instead of being refused (it was refused,
 * naming its size and the budget, until 2026-12-06), and nothing is left behind.
 */
public class LargeValuesTest {
  private static final int BUDGET = 128 << 10;

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static byte[] bytes(Random random, int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  /** A group as its key and its values' lengths and hashes, sorted: GroupByKey has no order. */
  static final class DescribeGroup extends DoFn<KV<String, Iterable<byte[]>>, String> {
    @ProcessElement
    public void process(@Element KV<String, Iterable<byte[]>> group, OutputReceiver<String> out) {
      List<String> values = new ArrayList<>();
      group.getValue().forEach(v -> values.add(v.length + ":" + Arrays.hashCode(v)));
      values.sort(null);
      out.output(group.getKey() + "=" + values);
    }
  }

  @Test
  public void valuesLargerThanTheBudgetAreGroupedAsByGroupByKey() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Random random = new Random(5);
    List<KV<String, byte[]>> data = new ArrayList<>();
    for (int i = 0; i < 8_000; i++) {
      data.add(KV.of("k" + random.nextInt(400), bytes(random, random.nextInt(20))));
      if (i % 2_000 == 1_000) {
        data.add(KV.of("k7", bytes(random, 4 * BUDGET + i))); // beside small values of k7
        data.add(KV.of("alone" + i, bytes(random, 6 * BUDGET)));
      }
    }
    PCollection<KV<String, byte[]>> in =
        p.apply(Create.of(data).withCoder(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of())));
    PCollection<String> ours =
        in.apply(
                "Spilling",
                SpillingGroupByKey.<String, byte[]>create()
                    .withOptions(PipelineSupport.smallBudget(dir, BUDGET)))
            .apply("DescribeOurs", ParDo.of(new DescribeGroup()));
    PCollection<String> beams =
        in.apply("Beam", GroupByKey.create()).apply("DescribeBeams", ParDo.of(new DescribeGroup()));
    Map<String, List<String>> model = new TreeMap<>();
    for (KV<String, byte[]> kv : data) {
      byte[] v = kv.getValue();
      model
          .computeIfAbsent(kv.getKey(), k -> new ArrayList<>())
          .add(v.length + ":" + Arrays.hashCode(v));
    }
    List<String> expected = new ArrayList<>();
    model.forEach(
        (k, vs) -> {
          vs.sort(null);
          expected.add(k + "=" + vs);
        });
    PipelineAsserts.assertSameElements(ours, expected);
    PipelineAsserts.assertSameElements(beams, expected);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.LARGE_RECORDS), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /** A sorted group as its key and each value's secondary key, length and hash, in order. */
  static final class DescribeSorted extends DoFn<KV<String, Iterable<KV<Long, byte[]>>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<Long, byte[]>>> group, OutputReceiver<String> out) {
      out.output(group.getKey() + "=" + describe(group.getValue()));
    }
  }

  private static String describe(Iterable<KV<Long, byte[]>> values) {
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
        values.add(KV.of(i * 7_919L % 3_001 + 1_000L * g, bytes(random, size)));
      }
      groups.add(KV.of("g" + g, values));
      List<KV<Long, byte[]>> sorted = new ArrayList<>(values);
      sorted.sort(Comparator.comparing(KV::getKey));
      expected.add("g" + g + "=" + describe(sorted));
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
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.LARGE_RECORDS), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }
}
