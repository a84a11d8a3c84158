package dev.spillway.templates.aggregate;

import dev.spillway.spill.CombineCursor;
import dev.spillway.spill.ExternalMerger;
import dev.spillway.spill.PartialCombiner;
import dev.spillway.spill.RecordSink;
import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillStats;
import dev.spillway.spill.SpillingEngine;
import dev.spillway.templates.exchange.ExchangeConsumer;
import dev.spillway.templates.exchange.ExchangeProducer;
import dev.spillway.transforms.CoderCodec;
import dev.spillway.transforms.CombineFnAggregator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.beam.sdk.values.KV;

/**
 * The {@code aggregate} job's two sides of a {@link dev.spillway.templates.exchange.FileExchange}:
 * producers combine each range's records into partial {@link Stats} in memory, flushing a full
 * table into the exchange rather than spilling it ({@link PartialCombiner}); the consumer of a
 * partition merges the partials of its keys in an {@link ExternalMerger} and formats one line per
 * key.
 */
public final class AggregateExchange {
  private AggregateExchange() {}

  /** Partial stats per key. */
  public static final class Producer implements ExchangeProducer<KV<String, Numbers>> {
    private static final long serialVersionUID = 1L;
    private final int columns;

    public Producer(int columns) {
      this.columns = columns;
    }

    @Override
    public long startBytes(SpillConfig config) {
      return PartialCombiner.floorBytes(config);
    }

    @Override
    public Task<KV<String, Numbers>> start(SpillConfig config, RecordSink out) {
      PartialCombiner<Numbers, Stats> partial =
          new PartialCombiner<>(
              new CombineFnAggregator<>(new AggregateFn(columns)),
              new CoderCodec<>(new Stats.StatsCoder(columns)),
              config,
              out);
      return new Task<>() {
        @Override
        public void add(KV<String, Numbers> record) {
          byte[] key = record.getKey().getBytes(StandardCharsets.UTF_8);
          partial.add(key, 0, key.length, record.getValue());
        }

        @Override
        public void finish() {
          partial.finish();
        }

        @Override
        public SpillStats stats() {
          return partial.stats();
        }

        @Override
        public void close() {
          partial.close();
        }
      };
    }
  }

  /** Merged stats per key, one formatted line each. */
  public static final class Merger implements ExchangeConsumer {
    private static final long serialVersionUID = 1L;
    private final int columns;
    private final FormatFn format;

    public Merger(int columns, FormatFn format) {
      this.columns = columns;
      this.format = format;
    }

    @Override
    public SpillingEngine consume(SpillConfig config, Consumer<RecordSink> records, Lines out)
        throws IOException {
      CoderCodec<Stats> codec = new CoderCodec<>(new Stats.StatsCoder(columns));
      ExternalMerger<Numbers, Stats> merger =
          new ExternalMerger<>(new CombineFnAggregator<>(new AggregateFn(columns)), codec, config);
      try {
        records.accept(
            (k, kOff, kLen, v, vOff, vLen) ->
                merger.addAccumulator(k, kOff, kLen, codec.decode(v, vOff, vLen)));
        try (CombineCursor<Stats> merged = merger.finish()) {
          while (merged.next()) {
            String key =
                new String(
                    merged.keyArray(),
                    merged.keyOffset(),
                    merged.keyLength(),
                    StandardCharsets.UTF_8);
            out.stream()
                .write(format.format(key, merged.accumulator()).getBytes(StandardCharsets.UTF_8));
            out.endLine();
          }
        }
        return merger;
      } catch (IOException | RuntimeException e) {
        merger.close();
        throw e;
      }
    }
  }
}
