package dev.spillway.templates.aggregate;

import dev.spillway.templates.io.Csv;
import dev.spillway.templates.io.Header;
import dev.spillway.templates.io.InputLine;
import dev.spillway.templates.io.KeyColumns;
import dev.spillway.templates.io.LineParser;
import java.util.List;
import org.apache.beam.sdk.values.KV;

/**
 * One input line as (group key, numeric columns): the key is the group-by fields joined as they
 * will be printed, so it is grouped by its exact text.
 */
public final class RowParser implements LineParser<KV<String, Numbers>> {
  private static final long serialVersionUID = 1L;

  private final KeyColumns groupBy;
  private final int[] numeric;
  private final String[] numericNames;

  public RowParser(int[] groupBy, List<Integer> numeric, Header header, Csv out) {
    this.groupBy = new KeyColumns(groupBy, header, out);
    this.numeric = numeric.stream().mapToInt(Integer::intValue).toArray();
    this.numericNames = new String[this.numeric.length];
    for (int i = 0; i < this.numeric.length; i++) {
      numericNames[i] = header.nameOf(this.numeric[i]);
    }
  }

  @Override
  public KV<String, Numbers> parse(InputLine line) {
    String key = groupBy.of(line);
    String[] texts = new String[numeric.length];
    for (int i = 0; i < numeric.length; i++) {
      texts[i] = line.field(numeric[i], numericNames[i]);
    }
    return KV.of(key, Numbers.parse(texts, numericNames));
  }
}
