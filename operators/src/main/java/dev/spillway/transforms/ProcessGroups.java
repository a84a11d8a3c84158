package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.ExternalGroupBy;
import dev.spillway.spill.GroupCursor;
import dev.spillway.spill.GroupValues;
import dev.spillway.spill.OrderedBytes;
import dev.spillway.spill.RecordCursor;
import dev.spillway.spill.SortedGroupBy;
import dev.spillway.spill.SpillingEngine;
import dev.spillway.spill.ValueCursor;
import dev.spillway.spill.Varint;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.NameUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * Groups by key as {@link SpillingGroupByKey} does and runs a {@link GroupProcessor} on each key's
 * values inside the engine, streamed from memory and spill files: the form for keys with more
 * values than a heap holds, which no runner's {@code GroupByKey} hands on as one element. Made by
 * {@link SpillingGroupByKey#thenProcess}.
 *
 * <pre>{@code
 * PCollection<String> out = events.apply(SpillingGroupByKey.<String, Long>create()
 *     .withOptions(SpillOptions.create().withMemoryBudgetBytes(256L << 20))
 *     .thenProcess(new CountAndMax()));   // a GroupProcessor<String, Long, String>
 * }</pre>
 *
 * <p>Windows, timestamps and panes as {@link SpillingGroupByKey}, sessions included (merged inside
 * the engine: a shard's records sorted by key and window start, each merged session's values
 * gathered in pages and spill segments, so a session larger than the heap is processed too; with
 * {@link SpillingGroupByKey#thenProcessSorted} a session's pairs sorted by their keys in a second
 * sort on the same engine's memory). The output coder is inferred from the processor's output type,
 * or given with {@link #withOutputCoder}.
 */
public final class ProcessGroups<K, V, OutputT>
    extends PTransform<PCollection<KV<K, V>>, PCollection<OutputT>> {
  private static final long serialVersionUID = 1L;

  private final GroupProcessor<K, V, OutputT> processor;
  private final SpillOptions options;

  /** What the last expansion resolved the options to, for display data. */
  private transient SpillOptions expandedWith;

  private final Coder<OutputT> outputCoder;

  /** Whether each group's values, pairs, come sorted by the encoding of their keys. */
  private final boolean sorted;

  ProcessGroups(
      GroupProcessor<K, V, OutputT> processor,
      SpillOptions options,
      Coder<OutputT> outputCoder,
      boolean sorted) {
    this.processor = Objects.requireNonNull(processor, "processor");
    this.options = options;
    this.outputCoder = outputCoder;
    this.sorted = sorted;
  }

  /** The coder of the outputs, when it cannot be inferred from the processor's type. */
  public ProcessGroups<K, V, OutputT> withOutputCoder(Coder<OutputT> coder) {
    return new ProcessGroups<>(processor, options, Objects.requireNonNull(coder, "coder"), sorted);
  }

  @Override
  public PCollection<OutputT> expand(PCollection<KV<K, V>> input) {
    String name = getKindString();
    KvCoder<K, V> kv = InputChecks.keyedInput(name, input);
    Windowing windowing = Windowing.of(name, input);
    Coder<OutputT> coder = outputCoder;
    if (coder == null) {
      try {
        coder =
            input.getPipeline().getCoderRegistry().getCoder(processor.getOutputTypeDescriptor());
      } catch (CannotProvideCoderException e) {
        throw new IllegalStateException(
            name
                + " cannot infer a coder for the outputs of "
                + processor
                + "; give one with withOutputCoder: "
                + e.getMessage(),
            e);
      }
    }
    expandedWith = SpillOptions.resolve(options, input.getPipeline().getOptions());
    SpillOptions resolved = expandedWith;
    ProcessStepFn<K, V, OutputT, ?> merge;
    if (sorted) {
      if (!(kv.getValueCoder() instanceof KvCoder)) {
        throw new IllegalStateException(
            name
                + " sorts each key's values, pairs, by their"
                + " keys: its input's values must use a KvCoder, but they use "
                + kv.getValueCoder());
      }
      merge =
          windowing.sessions()
              ? new MergeSessionsFn<>(kv, windowing, resolved, processor, true)
              : new MergeSortedFn<>(kv, windowing, resolved, processor);
    } else if (windowing.sessions()) {
      merge = new MergeSessionsFn<>(kv, windowing, resolved, processor, false);
    } else {
      merge = new MergeProcessFn<>(kv, windowing, resolved, processor);
    }
    return TwoPhase.expand(
            input,
            windowing,
            new SpillingGroupByKey.PartialGroupFn<>(kv, windowing, resolved),
            merge)
        .setCoder(coder);
  }

  @Override
  protected String getKindString() {
    return (sorted ? "ProcessSortedGroups(" : "ProcessGroups(")
        + NameUtils.approximateSimpleName(processor)
        + ")";
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("processor", processor.getClass()).withLabel("Group processor"));
    SpillOptions.populateDisplayData(expandedWith != null ? expandedWith : options, builder);
  }

  /** A merge step that runs the processor on each key's values in one window. */
  abstract static class ProcessStepFn<K, V, OutputT, E extends SpillingEngine>
      extends SpillingGroupByKey.GroupStepFn<K, V, KV<Integer, Iterable<byte[]>>, OutputT, E> {
    private static final long serialVersionUID = 1L;

    private final GroupProcessor<K, V, OutputT> processor;

    ProcessStepFn(
        KvCoder<K, V> coder,
        Windowing windowing,
        SpillOptions options,
        GroupProcessor<K, V, OutputT> processor) {
      super(coder, windowing, options);
      this.processor = processor;
    }

    /**
     * Runs the processor on one group, its values streamed from the engine; in a closing pane that
     * the built-in fires empty ({@link Firing#EMPTY_AT_WINDOW_END}), on no values.
     */
    void process(
        EngineKey.Decoded<K> k,
        GroupValues groupValues,
        Firing firing,
        PaneInfo pane,
        OutputReceiver<OutputT> receiver) {
      if (firing.empty()) {
        run(k.key(), List.of(), context(receiver, k.window(), k.window().maxTimestamp(), pane));
        return;
      }
      Instant timestamp =
          firing.outputTime(k.window(), () -> time.of(k.window(), inputsTimestamp(groupValues)));
      runStreamed(k.key(), groupValues, context(receiver, k.window(), timestamp, pane));
    }

    /**
     * A group's context: outputs go into {@code window} at {@code timestamp}, in the pane the step
     * gives for the shuffle's {@code pane}.
     */
    private GroupProcessor.Context<OutputT> context(
        OutputReceiver<OutputT> receiver, BoundedWindow window, Instant timestamp, PaneInfo pane) {
      return new Context<>(receiver, window, timestamp, outputPane(pane));
    }

    /**
     * Runs the processor on {@code groupValues} streamed from the engine, valid during the call.
     */
    private void runStreamed(
        K key, GroupValues groupValues, GroupProcessor.Context<OutputT> context) {
      StreamedValues<V> streamed = new StreamedValues<>(groupValues, values, prefixBytes());
      try {
        run(key, streamed, context);
      } finally {
        streamed.close();
      }
    }

    private void run(K key, Iterable<V> groupValues, GroupProcessor.Context<OutputT> context) {
      try {
        processor.process(key, groupValues, context);
      } catch (Exception e) {
        throw new IllegalStateException(processor + " failed on a group", e);
      }
    }

    /**
     * Runs the processor on one merged session's values, streamed from the engine; its outputs go
     * into the session's window, with the pane of the shuffle's firing.
     */
    void processSession(
        K key,
        IntervalWindow window,
        GroupValues groupValues,
        PaneInfo pane,
        OutputReceiver<OutputT> receiver) {
      Instant timestamp = new Instant(time.of(window, inputsTimestamp(groupValues)));
      runStreamed(key, groupValues, context(receiver, window, timestamp, pane));
    }

    /** The combined timestamp of a group's values, when outputs take it (a pass over them). */
    private long inputsTimestamp(GroupValues groupValues) {
      if (!time.fromInputs()) {
        return Long.MIN_VALUE;
      }
      ValueCursor cursor = groupValues.cursor();
      boolean first = true;
      long millis = 0;
      while (cursor.next()) {
        long t = Stamped.readTimestamp(cursor.array(), cursor.offset());
        millis = first ? t : time.combine(millis, t);
        first = false;
      }
      return millis;
    }
  }

  /** Brings each key's values of one shuffled shard together and runs the processor on them. */
  static final class MergeProcessFn<K, V, OutputT>
      extends ProcessStepFn<K, V, OutputT, ExternalGroupBy> {
    private static final long serialVersionUID = 1L;

    MergeProcessFn(
        KvCoder<K, V> coder,
        Windowing windowing,
        SpillOptions options,
        GroupProcessor<K, V, OutputT> processor) {
      super(coder, windowing, options, processor);
    }

    @Override
    ExternalGroupBy newEngine() {
      return new ExternalGroupBy(mergeStepConfig());
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<OutputT> receiver) {
      merge(shard, pane, receiver);
    }

    @Override
    void merge(
        KV<Integer, Iterable<byte[]>> shard, PaneInfo pane, OutputReceiver<OutputT> receiver) {
      Firing firing = firing(pane);
      mergeShard(
          shard.getValue(),
          pane,
          groups ->
              groupShard(
                  groups,
                  shard.getValue(),
                  (k, groupValues) -> process(k, groupValues, firing, pane, receiver)));
    }
  }

  /**
   * A merge step on a {@link SortedGroupBy}: for the sorted form, with the sort keys of the pairs
   * its values are.
   */
  abstract static class SortingStepFn<K, V, OutputT>
      extends ProcessStepFn<K, V, OutputT, SortedGroupBy> {
    private static final long serialVersionUID = 1L;

    /** The coder of the pairs' keys when groups are sorted by them; else null. */
    private final Coder<?> secondaryKeyCoder;

    /** The pairs' sort keys; null unless groups are sorted by them. */
    transient PairSortKeys<V> sortKeys;

    SortingStepFn(
        KvCoder<K, V> coder,
        Windowing windowing,
        SpillOptions options,
        GroupProcessor<K, V, OutputT> processor,
        boolean sorted) {
      super(coder, windowing, options, processor);
      this.secondaryKeyCoder =
          sorted ? ((KvCoder<?, ?>) coder.getValueCoder()).getKeyCoder() : null;
    }

    @Override
    void setUpCodecs() {
      super.setUpCodecs();
      if (secondaryKeyCoder != null) {
        sortKeys = new PairSortKeys<>(secondaryKeyCoder, values, prefixBytes());
      }
    }

    @Override
    SortedGroupBy newEngine() {
      return new SortedGroupBy(mergeStepConfig());
    }
  }

  /**
   * Brings each key's values of one shuffled shard together sorted by the encoding of their own
   * keys (the values are pairs), and runs the processor on them.
   */
  static final class MergeSortedFn<K, V, OutputT> extends SortingStepFn<K, V, OutputT> {
    private static final long serialVersionUID = 1L;

    MergeSortedFn(
        KvCoder<K, V> coder,
        Windowing windowing,
        SpillOptions options,
        GroupProcessor<K, V, OutputT> processor) {
      super(coder, windowing, options, processor, true);
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<OutputT> receiver) {
      merge(shard, pane, receiver);
    }

    @Override
    void merge(
        KV<Integer, Iterable<byte[]>> shard, PaneInfo pane, OutputReceiver<OutputT> receiver) {
      Firing firing = firing(pane);
      mergeShard(
          shard.getValue(),
          pane,
          groups -> {
            forEachRecord(
                shard.getValue(),
                (k, kOff, kLen, v, vOff, vLen) -> {
                  ByteSink sortKey = sortKeys.of(v, vOff, vLen);
                  groups.add(k, kOff, kLen, sortKey.array(), 0, sortKey.length(), v, vOff, vLen);
                });
            try (GroupCursor out = groups.finish()) {
              while (out.next()) {
                process(
                    keys().decode(out.keyArray(), out.keyOffset(), out.keyLength()),
                    out.values(),
                    firing,
                    pane,
                    receiver);
              }
            }
          });
    }
  }

  /**
   * Brings each key's values of one shuffled shard together by merged session (sorted by key and
   * window start, overlapping windows merged as {@code Sessions} does) and runs the processor on
   * each session's values, gathered re-iterable in pages and spill segments, in its merged window.
   * For the sorted form a second external sort orders each session's pairs by their keys: the
   * sessions are known only once a key's windows are merged.
   */
  static final class MergeSessionsFn<K, V, OutputT> extends SortingStepFn<K, V, OutputT> {
    private static final long serialVersionUID = 1L;

    MergeSessionsFn(
        KvCoder<K, V> coder,
        Windowing windowing,
        SpillOptions options,
        GroupProcessor<K, V, OutputT> processor,
        boolean sorted) {
      super(coder, windowing, options, processor, sorted);
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<byte[]>> shard,
        PaneInfo pane,
        OutputReceiver<OutputT> receiver) {
      merge(shard, pane, receiver);
    }

    @Override
    void merge(
        KV<Integer, Iterable<byte[]>> shard, PaneInfo pane, OutputReceiver<OutputT> receiver) {
      mergeShard(
          shard.getValue(),
          pane,
          sessions -> {
            forEachRecord(
                shard.getValue(),
                (k, kOff, kLen, v, vOff, vLen) -> {
                  // [key length][key][bounds]: grouped by the key, sorted by the bounds.
                  int keyLength = Varint.get(k, kOff);
                  int bounds = kOff + kLen - SessionKey.BOUNDS_BYTES;
                  sessions.add(
                      k,
                      kOff + Varint.size(keyLength),
                      keyLength,
                      k,
                      bounds,
                      SessionKey.BOUNDS_BYTES,
                      v,
                      vOff,
                      vLen);
                });
            if (sortKeys != null) {
              sortEachSession(sessions, pane, receiver);
              return;
            }
            SessionSplitter splitter = new SessionSplitter();
            try (GroupCursor out = sessions.finish(splitter)) {
              while (out.next()) {
                processSession(
                    keys().readKey(out.keyArray(), out.keyOffset(), out.keyLength()),
                    new IntervalWindow(new Instant(splitter.start()), new Instant(splitter.end())),
                    out.values(),
                    pane,
                    receiver);
              }
            }
          });
    }

    /**
     * Sorts every session's pairs by their keys in one more external sort on the same engine's
     * resources and processes each sorted session. The first sort's records are walked once, by
     * {@link SessionMerge}, and nothing of them is gathered: each pair goes to the second sort
     * under its key and session start, sorted by the pair's key behind a 1 byte; at the session's
     * end a marker holding the session's end goes under the same key with the sort key {@code 0},
     * so it comes first in the session's group.
     */
    private void sortEachSession(
        SortedGroupBy bySession, PaneInfo pane, OutputReceiver<OutputT> receiver) {
      // The first sort's output comes first: it spills what the first sort holds, and the second
      // one takes its memory out of the floor that leaves free. Started before it, the second sort
      // waited for the pool while the first held its share, and three threads doing so on one pool
      // failed by name ("none of the 3 engines sharing it can release").
      try (RecordCursor records = bySession.finishRecords();
          SortedGroupBy sorted = bySession.sortAgain()) {
        SessionMerge.walk(records, new SessionsToSort(sorted));
        records.close(); // its read buffers back before the second sort merges its runs
        try (GroupCursor out = sorted.finish()) {
          while (out.next()) {
            byte[] k = out.keyArray();
            int keyLength = Varint.get(k, out.keyOffset());
            int keyOffset = out.keyOffset() + Varint.size(keyLength);
            long start = OrderedBytes.decodeLong(k, keyOffset + keyLength);
            ValueCursor marker = out.values().cursor();
            marker.next();
            long end = OrderedBytes.decodeLong(marker.array(), marker.offset());
            processSession(
                keys().readKey(k, keyOffset, keyLength),
                new IntervalWindow(new Instant(start), new Instant(end)),
                new AfterFirst(out.values()),
                pane,
                receiver);
          }
        }
      }
    }

    /**
     * Adds each session's pairs and its end marker to the second sort: see {@link
     * #sortEachSession}.
     */
    private final class SessionsToSort implements SessionMerge.Sessions {
      private final SortedGroupBy sorted;
      private final ByteSink session = new ByteSink();
      private final ByteSink sortKey = new ByteSink();
      private final byte[] marker = new byte[] {0};

      SessionsToSort(SortedGroupBy sorted) {
        this.sorted = sorted;
      }

      @Override
      public void begin(byte[] bytes, int offset, int length, long start) {
        session.clear();
        session.write(bytes, offset, length);
        session.writeLong(start ^ Long.MIN_VALUE);
      }

      @Override
      public void value(byte[] bytes, int offset, int length) {
        ByteSink pairKey = sortKeys.of(bytes, offset, length);
        sortKey.clear();
        sortKey.write(PAIR_SORT_KEY, 0, 1);
        sortKey.write(pairKey.array(), 0, pairKey.length());
        sorted.add(
            session.array(),
            0,
            session.length(),
            sortKey.array(),
            0,
            sortKey.length(),
            bytes,
            offset,
            length);
      }

      @Override
      public void end(long start, long end) {
        byte[] endBytes = OrderedBytes.encodeLong(end);
        sorted.add(
            session.array(), 0, session.length(), marker, 0, 1, endBytes, 0, endBytes.length);
      }
    }
  }

  /** The byte in front of every pair's sort key in a session's second sort (its marker has 0). */
  private static final byte[] PAIR_SORT_KEY = {1};

  /** A group's values but the first. */
  private record AfterFirst(GroupValues values) implements GroupValues {
    @Override
    public long count() {
      return values.count() - 1;
    }

    @Override
    public ValueCursor cursor() {
      ValueCursor cursor = values.cursor();
      cursor.next();
      return cursor;
    }
  }

  private record Context<OutputT>(
      DoFn.OutputReceiver<OutputT> receiver, BoundedWindow window, Instant timestamp, PaneInfo pane)
      implements GroupProcessor.Context<OutputT> {
    @Override
    public void output(OutputT output) {
      receiver.outputWindowedValue(output, timestamp, List.of(window), pane);
    }
  }
}
