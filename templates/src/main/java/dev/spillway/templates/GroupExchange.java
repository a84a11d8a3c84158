package dev.spillway.templates;

import dev.spillway.spill.ExternalGroupBy;
import dev.spillway.spill.GroupCursor;
import dev.spillway.spill.GroupValues;
import dev.spillway.spill.RecordSink;
import dev.spillway.spill.SpillConfig;
import dev.spillway.spill.SpillStats;
import dev.spillway.spill.SpillingEngine;
import dev.spillway.spill.ValueCursor;
import dev.spillway.templates.exchange.ExchangeConsumer;
import dev.spillway.templates.exchange.ExchangeProducer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.beam.sdk.values.KV;

/**
 * The {@code group} job's two sides of a {@link dev.spillway.templates.exchange.FileExchange}:
 * producers hand each (key, value) to the exchange as it is read; the consumer of a partition
 * groups its records in an {@link ExternalGroupBy} and writes each key's line straight from the
 * engine, so a key's values are never gathered on the heap, however many there are: one pass over
 * them decides whether the joined field needs quotes, a second writes it.
 */
final class GroupExchange {
  private GroupExchange() {}

  /** (key, value) as UTF-8, straight into the exchange. */
  static final class Producer implements ExchangeProducer<KV<String, String>> {
    private static final long serialVersionUID = 1L;

    @Override
    public long startBytes(SpillConfig config) {
      return 0; // records go straight to the exchange
    }

    @Override
    public Task<KV<String, String>> start(SpillConfig config, RecordSink out) {
      return new Task<>() {
        @Override
        public void add(KV<String, String> record) {
          byte[] key = record.getKey().getBytes(StandardCharsets.UTF_8);
          byte[] value = record.getValue().getBytes(StandardCharsets.UTF_8);
          out.accept(key, 0, key.length, value, 0, value.length);
        }

        @Override
        public void finish() {}

        @Override
        public SpillStats stats() {
          return SpillStats.EMPTY;
        }

        @Override
        public void close() {}
      };
    }
  }

  /** One line per key: its fields, then its values joined by the separator as one field. */
  static final class Writer implements ExchangeConsumer {
    private static final long serialVersionUID = 1L;
    private static final byte QUOTE = '"';
    private final byte[] delimiter;
    private final byte[] separator;

    Writer(char delimiter, String separator) {
      this.delimiter = String.valueOf(delimiter).getBytes(StandardCharsets.UTF_8);
      this.separator = separator.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public SpillingEngine consume(SpillConfig config, Consumer<RecordSink> records, Lines out)
        throws IOException {
      ExternalGroupBy groups = new ExternalGroupBy(config);
      try {
        records.accept(groups::add);
        try (GroupCursor cursor = groups.finish()) {
          while (cursor.next()) {
            OutputStream line = out.stream();
            line.write(cursor.keyArray(), cursor.keyOffset(), cursor.keyLength());
            line.write(delimiter);
            writeJoined(cursor.values(), line);
            out.endLine();
          }
        }
        return groups;
      } catch (IOException | RuntimeException e) {
        groups.close();
        throw e;
      }
    }

    /** The values joined by the separator, quoted as a CSV field if any byte needs it. */
    private void writeJoined(GroupValues values, OutputStream line) throws IOException {
      // A quote, CR or LF is one byte that is never part of a multi-byte UTF-8 character; a
      // delimiter is matched as its whole UTF-8 sequence.
      boolean quote = needsQuote(separator, 0, separator.length);
      for (ValueCursor v = values.cursor(); !quote && v.next(); ) {
        quote = needsQuote(v.array(), v.offset(), v.length());
      }
      if (quote) {
        line.write(QUOTE);
      }
      boolean first = true;
      for (ValueCursor v = values.cursor(); v.next(); ) {
        if (!first) {
          write(separator, 0, separator.length, quote, line);
        }
        write(v.array(), v.offset(), v.length(), quote, line);
        first = false;
      }
      if (quote) {
        line.write(QUOTE);
      }
    }

    private boolean needsQuote(byte[] bytes, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        byte b = bytes[i];
        if (b == QUOTE
            || b == '\n'
            || b == '\r'
            || startsWith(bytes, i, offset + length, delimiter)) {
          return true;
        }
      }
      return false;
    }

    private static boolean startsWith(byte[] bytes, int at, int end, byte[] prefix) {
      if (at + prefix.length > end) {
        return false;
      }
      for (int j = 0; j < prefix.length; j++) {
        if (bytes[at + j] != prefix[j]) {
          return false;
        }
      }
      return true;
    }

    private static void write(
        byte[] bytes, int offset, int length, boolean quote, OutputStream line) throws IOException {
      if (!quote) {
        line.write(bytes, offset, length);
        return;
      }
      int from = offset;
      for (int i = offset; i < offset + length; i++) {
        if (bytes[i] == QUOTE) {
          line.write(bytes, from, i + 1 - from);
          line.write(QUOTE); // doubled
          from = i + 1;
        }
      }
      line.write(bytes, from, offset + length - from);
    }
  }
}
