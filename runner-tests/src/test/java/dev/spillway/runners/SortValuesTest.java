package dev.spillway.runners;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertThrows;

import dev.spillway.transforms.PipelineAsserts;
import dev.spillway.transforms.SortValues;
import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillingGroupByKey;
import dev.spillway.transforms.WindowedScenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * SortValues against a sorted in-memory model on the DirectRunner (Beam's sorter extension is not
 * served at Beam 2.62.0 here, so the model stands in for it: the same order by encoded secondary
 * key). One group is far larger than the budget, so it is sorted externally.
 */
public class SortValuesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static final class Describe extends DoFn<KV<String, Iterable<KV<Long, String>>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<Long, String>>> e, OutputReceiver<String> out) {
      out.output(e.getKey() + "=" + e.getValue());
    }
  }

  /** {@code groups} as a grouped input of {@code SortValues}, secondary keys in big-endian. */
  private PCollection<KV<String, Iterable<KV<Long, String>>>> grouped(
      List<KV<String, Iterable<KV<Long, String>>>> groups) {
    return p.apply(
        Create.of(groups)
            .withCoder(
                KvCoder.of(
                    StringUtf8Coder.of(),
                    IterableCoder.of(KvCoder.of(BigEndianLongCoder.of(), StringUtf8Coder.of())))));
  }

  @Test
  public void sortsSmallAndHugeGroupsBySecondaryKey() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Random random = new Random(4);
    List<KV<String, Iterable<KV<Long, String>>>> groups = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    int[] sizes = {0, 1, 5, 300, 60_000};
    for (int g = 0; g < sizes.length; g++) {
      List<KV<Long, String>> values = new ArrayList<>();
      for (int i = 0; i < sizes[g]; i++) {
        // Non-negative secondary keys: BigEndianLongCoder's bytes then sort numerically.
        values.add(KV.of((long) random.nextInt(1_000_000), "v" + i));
      }
      groups.add(KV.of("g" + g, values));
      List<KV<Long, String>> sorted = new ArrayList<>(values);
      sorted.sort(Comparator.comparing(KV::getKey));
      expected.add("g" + g + "=" + sorted);
    }
    PCollection<String> ours =
        grouped(groups)
            .apply(
                SortValues.<String, Long, String>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 256 << 10)))
            .apply(ParDo.of(new Describe()));
    // Equal secondary keys may come in any order: compare only groups whose keys are distinct,
    // or accept any order among equals by comparing sorted (key, value) lists.
    PipelineAsserts.assertSameElements(
        ours.apply("Canonical", ParDo.of(new Canonical())), canonical(expected));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /**
   * A group whose sorted pairs would outgrow what one element may hold fails the pipeline naming
   * the limit and the streaming form, as {@code SpillingGroupByKey} does, instead of building the
   * group on the heap (a group larger than the heap, streamed in by a runner's {@code GroupByKey},
   * ran it out of memory); its sort's spill files are deleted.
   */
  @Test
  public void aGroupTooLargeToHandDownstreamFailsNamingTheStreamingForm() throws Exception {
    Path dir = tmp.newFolder().toPath();
    List<KV<Long, String>> values = new ArrayList<>();
    for (long i = 0; i < 20_000; i++) {
      values.add(KV.of(20_000 - i, "v" + i));
    }
    List<KV<String, Iterable<KV<Long, String>>>> groups = new ArrayList<>();
    groups.add(KV.of("small", List.of(KV.of(2L, "b"), KV.of(1L, "a"))));
    groups.add(KV.of("large", values));
    grouped(groups)
        .apply(
            SortValues.<String, Long, String>create()
                .withOptions(
                    PipelineSupport.smallBudget(dir, 64 << 10).withMaxGroupBytes(100_000)));
    Pipeline.PipelineExecutionException e =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> p.run().waitUntilFinish());
    assertThat(e.getMessage(), containsString("more than 100000 bytes"));
    assertThat(e.getMessage(), containsString("thenProcessSorted(GroupProcessor)"));
    PipelineAsserts.awaitEmpty(dir, 10_000);
  }

  /**
   * Grouped and sorted in fixed windows with the inputs' earliest timestamps, as a user chains
   * them: {@code SpillingGroupByKey} then {@code SortValues}, beside Beam's {@code GroupByKey} then
   * a sort on the heap. Every output is the same with its window, timestamp, pane and values in
   * order (secondary keys are distinct, so the order is the whole answer).
   */
  @Test
  public void sortedGroupsKeepTheirWindowsTimestampsAndPanes() throws Exception {
    Path dir = tmp.newFolder().toPath();
    Random random = new Random(11);
    List<TimestampedValue<KV<String, KV<Long, String>>>> events = new ArrayList<>();
    for (int i = 0; i < 4_000; i++) {
      long secondary = (i * 7_919L) % 4_001; // distinct, not in input order
      events.add(
          TimestampedValue.of(
              KV.of("k" + random.nextInt(7), KV.of(secondary, "v" + i)),
              new Instant(random.nextInt(1_000))));
    }
    PCollection<KV<String, KV<Long, String>>> in =
        p.apply(
                Create.timestamped(events)
                    .withCoder(
                        KvCoder.of(
                            StringUtf8Coder.of(),
                            KvCoder.of(BigEndianLongCoder.of(), StringUtf8Coder.of()))))
            .apply(
                Window.<KV<String, KV<Long, String>>>into(FixedWindows.of(Duration.millis(100)))
                    .withTimestampCombiner(TimestampCombiner.EARLIEST));
    PCollection<String> ours =
        in.apply(
                "SpillingGroup",
                SpillingGroupByKey.<String, KV<Long, String>>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 64 << 10)))
            .apply(
                "SpillingSort",
                SortValues.<String, Long, String>create()
                    .withOptions(PipelineSupport.smallBudget(dir, 64 << 10)))
            .apply("DescribeOurs", ParDo.of(new DescribeInOrder()));
    PCollection<String> beams =
        in.apply("BeamGroup", GroupByKey.create())
            .apply("SortOnTheHeap", ParDo.of(new SortOnTheHeap()))
            .apply("DescribeBeams", ParDo.of(new DescribeInOrder()));
    WindowedScenarios.assertSame("SortedInWindows", ours, beams);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(SpillMetrics.total(result, SpillMetrics.SPILL_COUNT), greaterThan(0L));
    PipelineAsserts.assertEmpty(dir);
  }

  /** A group's pairs sorted by their (non-negative, so numeric) secondary keys. */
  static final class SortOnTheHeap
      extends DoFn<KV<String, Iterable<KV<Long, String>>>, KV<String, Iterable<KV<Long, String>>>> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<Long, String>>> group,
        OutputReceiver<KV<String, Iterable<KV<Long, String>>>> out) {
      List<KV<Long, String>> sorted = new ArrayList<>();
      group.getValue().forEach(sorted::add);
      sorted.sort(Comparator.comparing(KV::getKey));
      out.output(KV.of(group.getKey(), sorted));
    }
  }

  /** A group with its window, timestamp and pane, its values in the order they come. */
  static final class DescribeInOrder extends DoFn<KV<String, Iterable<KV<Long, String>>>, String> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<Long, String>>> group,
        BoundedWindow window,
        @Timestamp Instant timestamp,
        PaneInfo pane,
        OutputReceiver<String> out) {
      out.output(
          group.getKey()
              + " "
              + window
              + " ts="
              + timestamp.getMillis()
              + " "
              + pane
              + " "
              + group.getValue());
    }
  }

  /**
   * Checks that a described group's secondary keys ascend, then returns it with the values of equal
   * keys in a canonical order.
   */
  static final class Canonical extends DoFn<String, String> {
    @ProcessElement
    public void process(@Element String described, OutputReceiver<String> out) {
      out.output(canonicalForm(described));
    }
  }

  private static List<String> canonical(List<String> described) {
    List<String> out = new ArrayList<>();
    described.forEach(d -> out.add(canonicalForm(d)));
    return out;
  }

  /** "g=[KV{1, a}, KV{1, b}]" with keys checked ascending and each key's values sorted. */
  static String canonicalForm(String described) {
    int eq = described.indexOf('=');
    String body = described.substring(eq + 2, described.length() - 1);
    List<String[]> pairs = new ArrayList<>();
    if (!body.isEmpty()) {
      for (String kv : body.split("\\}, ")) {
        String inner = kv.replace("KV{", "").replace("}", "");
        int comma = inner.indexOf(", ");
        pairs.add(new String[] {inner.substring(0, comma), inner.substring(comma + 2)});
      }
    }
    for (int i = 1; i < pairs.size(); i++) {
      if (Long.parseLong(pairs.get(i - 1)[0]) > Long.parseLong(pairs.get(i)[0])) {
        throw new AssertionError("not sorted at " + i + ": " + described.substring(0, eq));
      }
    }
    pairs.sort(
        Comparator.<String[], Long>comparing(a -> Long.parseLong(a[0])).thenComparing(a -> a[1]));
    StringBuilder b = new StringBuilder(described.substring(0, eq + 1));
    pairs.forEach(a -> b.append(a[0]).append(':').append(a[1]).append(';'));
    return b.toString();
  }
}
