package dev.spillway.templates.aggregate;

import dev.spillway.templates.io.Csv;
import dev.spillway.templates.io.Header;
import dev.spillway.templates.io.InputLine;
import dev.spillway.templates.io.LineParser;
import java.util.List;
import org.apache.beam.sdk.values.KV;

/**
 * One input line as (group key, numeric columns): the key is the group-by fields joined as they
 * will be printed, so it is grouped by its exact text.
 */
public final class RowParser implements LineParser<KV<String, Numbers>> {
  private static final long serialVersionUID = 1L;

  private final int[] groupBy;
  private final String[] groupByNames;
  private final int[] numeric;
  private final String[] numericNames;
  private final Csv out;

  public RowParser(int[] groupBy, List<Integer> numeric, Header header, Csv out) {
    this.groupBy = groupBy.clone();
    this.groupByNames = new String[groupBy.length];
    for (int i = 0; i < groupBy.length; i++) {
      groupByNames[i] = header.nameOf(groupBy[i]);
    }
    this.numeric = numeric.stream().mapToInt(Integer::intValue).toArray();
    this.numericNames = new String[this.numeric.length];
    for (int i = 0; i < this.numeric.length; i++) {
      numericNames[i] = header.nameOf(this.numeric[i]);
    }
    this.out = out;
  }

  @Override
  public KV<String, Numbers> parse(InputLine line) {
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < groupBy.length; i++) {
      if (i > 0) {
        key.append(out.delimiter());
      }
      out.appendField(key, line.field(groupBy[i], groupByNames[i]));
    }
    String[] texts = new String[numeric.length];
    for (int i = 0; i < numeric.length; i++) {
      texts[i] = line.field(numeric[i], numericNames[i]);
    }
    return KV.of(key.toString(), Numbers.parse(texts, numericNames));
  }
}
