package dev.spillway.transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Windowings drawn at random from everything the transforms support, each run beside the built-ins
 * by {@link WindowedScenarios#sameAsBuiltIn} (and groups processed in the engine by {@link
 * WindowedScenarios#processedBesideBuiltIn}): the window function and its size, period, offset or
 * gap; the timestamp combiner; the trigger, allowed lateness, closing behaviour and accumulation
 * mode; events with negative times and times on window bounds, keys that are empty or not ASCII;
 * and the options (budget, shards, flushed partials, the shuffle). The hand-written scenarios cover
 * each feature; this covers their combinations, which no list written by hand reaches.
 *
 * <p>A seed gives the same scenarios on every run, so a failure repeats; each scenario prints what
 * it drew to stderr, and its transforms are named after it.
 */
public final class RandomWindowings {
  private static final long MINUTE = 60_000;

  private RandomWindowings() {}

  /**
   * Adds {@code count} scenarios drawn from {@code seed} to {@code p}, each with options derived
   * from {@code base}: its spill directories, and a budget of one to four times its budget. The
   * window functions take turns from a random first one, so that any four scenarios draw each; the
   * first scenario in fixed windows and the first in sliding windows draw a closing pane ({@code
   * FIRE_ALWAYS} with allowed lateness), which a draw at even odds can miss in a build's seed.
   */
  public static void sameAsBuiltIn(
      Pipeline p, SpillOptions base, WindowedScenarios.Runner runner, long seed, int count) {
    List<Scenario> scenarios = draw(seed, count, base.memoryBudgetBytes());
    for (int i = 0; i < count; i++) {
      add(p, base, runner, seed, i, scenarios.get(i));
    }
  }

  /**
   * Adds scenario {@code index} of the {@code count} drawn from {@code seed} to {@code p}, as
   * {@link #sameAsBuiltIn(Pipeline, SpillOptions, WindowedScenarios.Runner, long, int)} would: for
   * a job per scenario. {@code -Dspillway.randomOnly=I,J} leaves out every scenario but I and J, to
   * find which fail.
   */
  public static void sameAsBuiltIn(
      Pipeline p,
      SpillOptions base,
      WindowedScenarios.Runner runner,
      long seed,
      int count,
      int index) {
    add(p, base, runner, seed, index, draw(seed, count, base.memoryBudgetBytes()).get(index));
  }

  /** Adds scenario {@code s}, number {@code index} of {@code seed}, unless left out. */
  private static void add(
      Pipeline p,
      SpillOptions base,
      WindowedScenarios.Runner runner,
      long seed,
      int index,
      Scenario s) {
    String only = System.getProperty("spillway.randomOnly");
    if (only != null && !List.of(only.split(",")).contains(String.valueOf(index))) {
      return;
    }
    SpillOptions options = s.options(base);
    String name = "Random" + seed + "x" + index;
    System.err.println(name + ": " + s + "; " + s.describeOptions());
    WindowedScenarios.sameAsBuiltIn(p, name, s.windowing(), s.events, s.model(), options, runner);
    WindowedScenarios.processedBesideBuiltIn(
        p, name + "Processed", s.windowing(), s.events, options, runner);
  }

  /** The {@code count} scenarios of {@code seed}. */
  private static List<Scenario> draw(long seed, int count, long minBudget) {
    Random random = new Random(seed);
    int first = random.nextInt(Scenario.Fn.values().length);
    List<Scenario> scenarios = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Scenario.Fn fn = Scenario.Fn.values()[(first + i) % Scenario.Fn.values().length];
      boolean closingPane =
          (fn == Scenario.Fn.FIXED || fn == Scenario.Fn.SLIDING) && i < Scenario.Fn.values().length;
      scenarios.add(Scenario.draw(random, minBudget, fn, closingPane));
    }
    return scenarios;
  }

  /** One drawn windowing, its events and options. */
  private static final class Scenario {
    enum Fn {
      GLOBAL,
      FIXED,
      SLIDING,
      SESSIONS
    }

    enum Firing {
      DEFAULT,
      AFTER_WATERMARK,
      LATE_FIRINGS,
      REPEATED
    }

    Fn fn;
    long size;
    long period;
    long offset;
    TimestampCombiner combiner;
    Firing firing;
    long lateness;
    Window.ClosingBehavior closing;
    boolean accumulating;
    List<TimestampedValue<KV<String, Long>>> events;
    long budget;
    int shards;
    boolean flush;
    SpillOptions.Shuffle shuffle;

    /**
     * A scenario in {@code fn}, the rest drawn from {@code r}; with a closing pane when {@code
     * closingPane}, else one at even odds where lateness is drawn.
     */
    static Scenario draw(Random r, long minBudget, Fn fn, boolean closingPane) {
      Scenario s = new Scenario();
      s.fn = fn;
      s.size = pick(r, 1, 7, 50, 100, 333, 1_000);
      // At most 16 windows an element: a period of 15 ms in 1 s windows (67 each) took a scenario
      // of 1,428 events about 2 minutes on the DirectRunner, beside the built-ins.
      s.period =
          s.fn == Fn.SLIDING
              ? Math.max(1 + r.nextInt((int) s.size), Math.floorDiv(s.size + 15, 16))
              : s.size;
      s.offset = s.fn == Fn.SESSIONS || s.fn == Fn.GLOBAL ? 0 : r.nextInt((int) s.period);
      s.combiner = TimestampCombiner.values()[r.nextInt(TimestampCombiner.values().length)];
      // Lateness and a closing behaviour are only set along with a trigger, as Beam asks, and
      // never with a trigger that finishes (Beam refuses it: late data would be lost).
      s.firing =
          closingPane
              ? (r.nextBoolean() ? Firing.LATE_FIRINGS : Firing.REPEATED)
              : Firing.values()[r.nextInt(Firing.values().length)];
      boolean late =
          s.firing != Firing.DEFAULT
              && s.firing != Firing.AFTER_WATERMARK
              && (closingPane || r.nextBoolean());
      s.lateness = late ? pick(r, 1, 1_000, MINUTE) : 0;
      s.closing =
          late && s.fn != Fn.SESSIONS && (closingPane || r.nextBoolean())
              ? Window.ClosingBehavior.FIRE_ALWAYS
              : Window.ClosingBehavior.FIRE_IF_NON_EMPTY;
      s.accumulating = r.nextBoolean();
      s.events = events(r, s);
      s.budget = minBudget * (1 + r.nextInt(4));
      s.shards = 1 + r.nextInt(40);
      s.flush = r.nextInt(3) == 0;
      s.shuffle = r.nextBoolean() ? SpillOptions.Shuffle.AUTO : SpillOptions.Shuffle.RUNNER;
      return s;
    }

    /**
     * Events over a span of a few windows either side of the epoch, a fifth of them on a window's
     * bound (or a bound less 1 ms), with keys that include the empty string and non-ASCII text.
     */
    private static List<TimestampedValue<KV<String, Long>>> events(Random r, Scenario s) {
      int n = 50 + r.nextInt(1_500);
      int keys = 1 + r.nextInt(120);
      long span = Math.max(s.size, 1) * (2 + r.nextInt(30));
      List<TimestampedValue<KV<String, Long>>> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long t = (long) (r.nextDouble() * 2 * span) - span;
        if (r.nextInt(5) == 0) {
          t = Math.floorDiv(t, s.period) * s.period + s.offset - r.nextInt(2);
        }
        int k = r.nextInt(keys);
        String key = k == 0 ? "" : k % 7 == 0 ? "ключ-" + k + "-🔑" : "k" + k;
        // Positive values: a sum of 0 can only be an empty pane.
        out.add(TimestampedValue.of(KV.of(key, 1L + r.nextInt(1_000)), new Instant(t)));
      }
      return out;
    }

    private static long pick(Random r, long... choices) {
      return choices[r.nextInt(choices.length)];
    }

    WindowFn<Object, ?> windowFn() {
      switch (fn) {
        case GLOBAL:
          return new GlobalWindows();
        case FIXED:
          return FixedWindows.of(Duration.millis(size)).withOffset(Duration.millis(offset));
        case SLIDING:
          return SlidingWindows.of(Duration.millis(size))
              .every(Duration.millis(period))
              .withOffset(Duration.millis(offset));
        case SESSIONS:
          return Sessions.withGapDuration(Duration.millis(size));
        default:
          throw new AssertionError(fn);
      }
    }

    Window<KV<String, Long>> windowing() {
      Window<KV<String, Long>> w =
          Window.<KV<String, Long>>into(windowFn()).withTimestampCombiner(combiner);
      if (firing == Firing.DEFAULT) {
        return w;
      }
      w = w.triggering(trigger()).withAllowedLateness(Duration.millis(lateness), closing);
      return accumulating ? w.accumulatingFiredPanes() : w.discardingFiredPanes();
    }

    private Trigger trigger() {
      switch (firing) {
        case AFTER_WATERMARK:
          return AfterWatermark.pastEndOfWindow();
        case LATE_FIRINGS:
          return AfterWatermark.pastEndOfWindow().withLateFirings(AfterPane.elementCountAtLeast(1));
        case REPEATED:
          return Repeatedly.forever(AfterWatermark.pastEndOfWindow());
        default:
          throw new AssertionError(firing);
      }
    }

    /** The sums by window that every windowing must give, from the window function itself. */
    Map<String, Long> model() {
      if (fn == Fn.SESSIONS) {
        return WindowedScenarios.sessionModel(events, size);
      }
      return WindowedScenarios.nonMergingModel(windowFn(), events);
    }

    String describeOptions() {
      return "budget "
          + (budget >> 10)
          + " KiB, "
          + shards
          + " shards, "
          + (flush ? "flushed partials, " : "")
          + "shuffle "
          + shuffle;
    }

    SpillOptions options(SpillOptions base) {
      return base.withMemoryBudgetBytes(budget)
          .withShards(shards)
          .withFlushedPartials(flush)
          .withShuffle(shuffle);
    }

    @Override
    public String toString() {
      String window;
      switch (fn) {
        case GLOBAL:
          window = "global";
          break;
        case FIXED:
          window = "fixed " + size + " ms offset " + offset;
          break;
        case SLIDING:
          window = "sliding " + size + " ms every " + period + " offset " + offset;
          break;
        default:
          window = "sessions gap " + size + " ms";
      }
      return window
          + ", "
          + combiner
          + ", "
          + firing
          + (firing == Firing.DEFAULT
              ? ""
              : ", lateness "
                  + lateness
                  + " ms, "
                  + closing
                  + (accumulating ? ", accumulating" : ", discarding"))
          + "; "
          + events.size()
          + " events";
    }
  }
}
