package dev.spillway.templates.exchange;

import dev.spillway.spill.RecordSink;
import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillingEngine;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.function.Consumer;

/**
 * What the consumer task of one partition of a {@link FileExchange} does: merges every record the
 * producers handed to that partition (each key's records all arrive here) in a spilling engine, and
 * writes the output lines of its keys.
 */
public interface ExchangeConsumer extends Serializable {
  /**
   * Feeds {@code records} (call it once, right after making the engine: it reads the partition's
   * files, one at a time, into the sink) to a spilling engine it makes with {@code config} (whose
   * floor, {@link SpillingEngine#floorBytes}, the caller took for it), then writes one UTF-8 line
   * per output record, each ending with a newline, to {@code out}.
   *
   * @return the engine, finished and drained, for its statistics (the caller closes it)
   */
  SpillingEngine consume(SpillConfig config, Consumer<RecordSink> records, Lines out)
      throws IOException;

  /** Where a consumer writes its lines; counts them. */
  final class Lines {
    private final OutputStream out;
    private long count;

    public Lines(OutputStream out) {
      this.out = out;
    }

    /** The stream to write a line's bytes to; call {@link #endLine()} after each line. */
    public OutputStream stream() {
      return out;
    }

    public void endLine() throws IOException {
      out.write('\n');
      count++;
    }

    public long count() {
      return count;
    }
  }
}
