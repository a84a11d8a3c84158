package dev.spillway.templates.aggregate;

import static org.junit.Assert.assertEquals;

import dev.spillway.templates.io.Header;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/**
 * Exact decimal aggregates against BigDecimal arithmetic: the same printed result whatever the
 * order of additions and merges (and through the coder), nulls skipped, sums past a long exact.
 */
public class StatsTest {
  private static final String[] COLUMNS = {"x"};

  private static List<Aggregate> aggregates() {
    return Aggregate.parseAll(
        "count,sum:x,min:x,max:x,mean:x",
        Header.fromLine(new dev.spillway.templates.io.Csv(','), "x"),
        new ArrayList<>());
  }

  private static String formatted(Stats s) {
    StringBuilder out = new StringBuilder();
    for (Aggregate a : aggregates()) {
      out.append(s.format(a)).append('|');
    }
    return out.toString();
  }

  /** Adds {@code texts} in random groups, merged in random order through the coder. */
  private static Stats aggregate(List<String> texts, Random random) throws IOException {
    Stats.StatsCoder coder = new Stats.StatsCoder(1);
    List<Stats> parts = new ArrayList<>();
    Stats current = new Stats(1);
    for (String t : texts) {
      current.add(Numbers.parse(new String[] {t}, COLUMNS));
      if (random.nextInt(5) == 0) {
        parts.add(current);
        current = new Stats(1);
      }
    }
    parts.add(current);
    Collections.shuffle(parts, random);
    Stats merged = new Stats(1);
    for (Stats part : parts) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      coder.encode(part, bytes);
      merged.merge(coder.decode(new ByteArrayInputStream(bytes.toByteArray())));
    }
    return merged;
  }

  @Test
  public void decimalsAreExactWhateverTheOrderAndPrintAsWritten() throws IOException {
    Random random = new Random(3);
    for (int round = 0; round < 50; round++) {
      List<String> texts = new ArrayList<>();
      BigDecimal sum = BigDecimal.ZERO;
      BigDecimal min = null;
      BigDecimal max = null;
      int n = 0;
      for (int i = 0; i < 200; i++) {
        if (random.nextInt(10) == 0) {
          texts.add(""); // a null
          continue;
        }
        BigDecimal v =
            round % 5 == 0
                ? BigDecimal.valueOf(Long.MAX_VALUE - random.nextInt(1000), random.nextInt(3))
                : BigDecimal.valueOf(random.nextInt(2_000_000) - 1_000_000, random.nextInt(5));
        texts.add(v.toPlainString());
        sum = sum.add(v);
        min = min == null || v.compareTo(min) < 0 ? v : min;
        max = max == null || v.compareTo(max) > 0 ? v : max;
        n++;
      }
      String expected =
          texts.size()
              + "|"
              + sum.toPlainString()
              + "|"
              + min.toPlainString()
              + "|"
              + max.toPlainString()
              + "|"
              + sum.divide(BigDecimal.valueOf(n), MathContext.DECIMAL64)
                  .stripTrailingZeros()
                  .toPlainString()
              + "|";
      assertEquals(expected, formatted(aggregate(texts, random)));
      Collections.shuffle(texts, random);
      assertEquals("another order", expected, formatted(aggregate(texts, random)));
    }
  }

  @Test
  public void aColumnOfNullsAggregatesToEmptyFields() throws IOException {
    assertEquals("3|||||", formatted(aggregate(List.of("", " ", ""), new Random(1))));
  }

  @Test
  public void exponentNotationMakesTheColumnInexact() throws IOException {
    assertEquals(
        "3|1001.5|0.5|1000|333.8333333333333|",
        formatted(aggregate(List.of("1e3", "0.5", "1"), new Random(1))));
  }
}
