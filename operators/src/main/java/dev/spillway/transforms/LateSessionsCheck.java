package dev.spillway.transforms;

import java.util.Collection;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.NonMergingWindowFn;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Instant;

/**
 * Fails a pipeline whose input in {@code Sessions} had late data, which spillway cannot treat as
 * Beam's {@code GroupByKey} does.
 *
 * <p>An element is late for {@code GroupByKey} in sessions when the watermark has passed the end of
 * its own window, {@code [t, t + gap)}, as it comes: beyond the allowed lateness it is dropped,
 * within it fired in a late pane of the session it merges into. spillway's blocks of sessions cross
 * its shuffle in the global window, where nothing is late, so it would merge every element as if on
 * time. A DoFn cannot see the watermark, but a {@code GroupByKey} drops an element whose window has
 * ended: so each bundle of the partial step sends one probe, at its earliest input's time in that
 * input's session window ({@link #windowOf}), through a {@code GroupByKey} that allows no lateness.
 * If the earliest input of a bundle was not late, none of its inputs was (they came under one
 * watermark). The probes sent and the probes that came through are counted in the global window;
 * any difference fails the pipeline, naming the late data. Conservative: a late element that merges
 * into a session still open gives the built-in's result anyway, and fails too.
 *
 * <p>Only where late data can occur ({@link RunnerGrouping#lateDataPossible}): the DirectRunner's
 * watermark moves while a bounded input is processed; Flink's and Spark's batch translations hold
 * it until the input ends.
 */
final class LateSessionsCheck extends PTransform<PCollection<Long>, PDone> {
  private static final long serialVersionUID = 1L;

  private final String transform;

  private LateSessionsCheck(String transform) {
    this.transform = transform;
  }

  /** Past the global window's last instant: no probe's window reaches further. */
  private static final long END_MILLIS = GlobalWindow.INSTANCE.maxTimestamp().getMillis() + 1;

  /**
   * Whether an input at {@code millis} can be probed: one at or past the global window's last
   * instant is late only once the input has ended, when nothing comes any more.
   */
  static boolean probes(long millis) {
    return millis < END_MILLIS - 1;
  }

  /**
   * The window of a probe for an input at {@code millis} ({@link #probes}) in sessions of {@code
   * gapMillis}: the input's own session window, cut at the global window's end.
   */
  static IntervalWindow windowOf(long millis, long gapMillis) {
    return new IntervalWindow(
        new Instant(millis), new Instant(millis + Math.min(gapMillis, END_MILLIS - millis)));
  }

  /**
   * Checks the probes a partial step of {@code transform} sent: gives them their coder and their
   * windows' windowing (no lateness), then applies the check.
   */
  static void check(PCollection<Long> probes, String transform) {
    probes
        .setCoder(VarLongCoder.of())
        .setWindowingStrategyInternal(WindowingStrategy.of(new ProbeWindows()))
        .apply("LateSessionsCheck", new LateSessionsCheck(transform));
  }

  @Override
  public PDone expand(PCollection<Long> probes) {
    PCollection<Long> sent =
        probes
            .apply("AllProbes", Window.into(new GlobalWindows()))
            .apply("CountSent", ParDo.of(new Each(1)));
    PCollection<Long> through =
        probes
            .apply("OneKey", ParDo.of(new OneKey()))
            .setCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of()))
            .apply("DropLateProbes", GroupByKey.create())
            .apply("CountThrough", ParDo.of(new EachValue(-1)))
            .apply("ProbesThrough", Window.into(new GlobalWindows()));
    PCollectionList.of(sent)
        .and(through)
        .apply("BothCounts", Flatten.pCollections())
        .apply("Dropped", Sum.longsGlobally())
        .apply("FailIfAnyDropped", ParDo.of(new FailIfDropped(transform)));
    return PDone.in(probes.getPipeline());
  }

  /** A probe's window is its input's session window, set by the partial step: never assigned. */
  private static final class ProbeWindows extends NonMergingWindowFn<Object, IntervalWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public Collection<IntervalWindow> assignWindows(AssignContext c) {
      throw new UnsupportedOperationException("a late-data probe's window is its input's session");
    }

    @Override
    public boolean isCompatible(WindowFn<?, ?> other) {
      return other instanceof ProbeWindows;
    }

    @Override
    public Coder<IntervalWindow> windowCoder() {
      return IntervalWindow.getCoder();
    }

    @Override
    public WindowMappingFn<IntervalWindow> getDefaultWindowMappingFn() {
      throw new UnsupportedOperationException("a late-data probe's window is not a side input's");
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof ProbeWindows;
    }

    @Override
    public int hashCode() {
      return ProbeWindows.class.hashCode();
    }
  }

  private static final class OneKey extends DoFn<Long, KV<Integer, Long>> {
    @ProcessElement
    public void process(@Element Long probe, OutputReceiver<KV<Integer, Long>> out) {
      out.output(KV.of(0, probe));
    }
  }

  /** {@code count} for each element. */
  private static final class Each extends DoFn<Long, Long> {
    private final long count;

    Each(long count) {
      this.count = count;
    }

    @ProcessElement
    public void process(OutputReceiver<Long> out) {
      out.output(count);
    }
  }

  /** {@code count} for each value of a group. */
  private static final class EachValue extends DoFn<KV<Integer, Iterable<Long>>, Long> {
    private final long count;

    EachValue(long count) {
      this.count = count;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Long>> group, OutputReceiver<Long> out) {
      long total = 0;
      for (Long ignored : group.getValue()) {
        total += count;
      }
      out.output(total);
    }
  }

  private static final class FailIfDropped extends DoFn<Long, Void> {
    private final String transform;

    FailIfDropped(String transform) {
      this.transform = transform;
    }

    @ProcessElement
    public void process(@Element Long dropped) {
      if (dropped != 0) {
        throw new IllegalStateException(
            transform
                + " got late data in Sessions: in "
                + dropped
                + " bundles an element came after the watermark had passed the end of its own"
                + " session window (a bounded input has such elements only when a step moves"
                + " timestamps back, DoFn.getAllowedTimestampSkew, or a test holds its watermark"
                + " back). Beam's GroupByKey drops them beyond the allowed lateness and fires the"
                + " others in late panes; spillway merges sessions after its shuffle, where it"
                + " cannot tell them apart. Use Beam's built-in transform for input with late"
                + " data.");
      }
    }
  }
}
