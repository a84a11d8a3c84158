package dev.spillway.transforms;

import java.io.Serializable;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Instant;

/**
 * A function of one key and all its values in one window, run by {@link ProcessGroups} inside the
 * spilling engine: the values are streamed from the engine's memory pages and spill files, never
 * gathered on the heap, so a key may have more values than any heap holds.
 *
 * <pre>{@code
 * PCollection<KV<String, Long>> totals = events.apply(
 *     SpillingGroupByKey.<String, Long>create()
 *         .thenProcess(new GroupProcessor<String, Long, KV<String, Long>>() {
 *           public void process(String user, Iterable<Long> values, Context<KV<String, Long>> c) {
 *             long sum = 0;
 *             for (long v : values) { sum += v; }
 *             c.output(KV.of(user, sum));
 *           }
 *         }));
 * }</pre>
 *
 * <p>What {@code values} promises: every iteration reads all the key's values afresh, in the order
 * the engine holds them (a bundle's values in input order), decoding new objects; it may be
 * iterated any number of times, nested or partially; and it may be read only while {@link #process}
 * runs: an iterator used after it returned fails with an {@link IllegalStateException}. Keep what
 * you need, not the iterable.
 *
 * @param <K> the key
 * @param <V> the values
 * @param <OutputT> what it outputs
 */
public abstract class GroupProcessor<K, V, OutputT> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Where a call outputs, and what it is about. */
  public interface Context<OutputT> {
    /** Outputs {@code output} in the group's window, at the group's timestamp. */
    void output(OutputT output);

    /** The window of the group: its input's window, as Beam's {@code GroupByKey} gives it. */
    BoundedWindow window();

    /** The group's timestamp, as the input's {@code TimestampCombiner} makes it. */
    Instant timestamp();
  }

  /** Processes one key's values in one window. */
  public abstract void process(K key, Iterable<V> values, Context<OutputT> context)
      throws Exception;

  /** The type of the outputs, from which the output coder is inferred when none is given. */
  public TypeDescriptor<OutputT> getOutputTypeDescriptor() {
    return new TypeDescriptor<OutputT>(getClass()) {};
  }
}
