package dev.spillway.templates.exchange;

import dev.spillway.spill.RecordSink;
import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillStats;
import java.io.Serializable;

/**
 * What a producer task of a {@link FileExchange} does with the records of its input range: hands
 * them, as encoded (key, value) pairs, to the exchange, combining first where that pays.
 *
 * @param <T> the parsed records
 */
public interface ExchangeProducer<T> extends Serializable {
  /** The state of one task, writing into {@code out}. */
  Task<T> start(SpillConfig config, RecordSink out);

  /**
   * The memory a task started now on {@code config} takes as it starts (its engine's floor), to be
   * taken with the exchange writer's in one request; 0 if it holds none.
   */
  long startBytes(SpillConfig config);

  /** One producer task's state. */
  interface Task<T> extends AutoCloseable {
    void add(T record);

    /** Ends the input: hands what is held to the exchange. */
    void finish();

    SpillStats stats();

    /** Returns the task's memory; also after a failure. */
    @Override
    void close();
  }
}
