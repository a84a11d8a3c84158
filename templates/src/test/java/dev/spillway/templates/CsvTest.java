package dev.spillway.templates;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.spillway.templates.io.Csv;
import dev.spillway.templates.io.MalformedLineException;
import dev.spillway.transforms.MemorySize;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/** Fields survive join then split, whatever characters they hold; broken quotes are errors. */
public class CsvTest {
  @Test
  public void joinThenSplitGivesTheFieldsBack() {
    Random random = new Random(11);
    char[] alphabet = {'a', ',', '"', '\t', ' ', 'é', 'x', ';'};
    for (char delimiter : new char[] {',', '\t', ';'}) {
      Csv csv = new Csv(delimiter);
      for (int n = 0; n < 2_000; n++) {
        List<String> fields = new ArrayList<>();
        for (int f = 1 + random.nextInt(5); f > 0; f--) {
          StringBuilder b = new StringBuilder();
          for (int c = random.nextInt(6); c > 0; c--) {
            b.append(alphabet[random.nextInt(alphabet.length)]);
          }
          fields.add(b.toString());
        }
        assertEquals(fields, List.of(csv.split(csv.join(fields))));
      }
    }
  }

  @Test
  public void brokenQuotesAreMalformedLines() {
    Csv csv = new Csv(',');
    assertArrayEquals(new String[] {"a", "b,c", ""}, csv.split("a,\"b,c\","));
    assertThrows(MalformedLineException.class, () -> csv.split("a,\"open"));
    assertThrows(MalformedLineException.class, () -> csv.split("a,\"x\"y"));
    assertThrows(MalformedLineException.class, () -> csv.split("a,b\"c"));
  }

  @Test
  public void memorySizes() {
    assertEquals(64L << 20, MemorySize.parse("64m"));
    assertEquals(2L << 30, MemorySize.parse("2G"));
    assertEquals(512L << 10, MemorySize.parse("512kb"));
    assertEquals(1000L, MemorySize.parse("1000"));
    assertThrows(IllegalArgumentException.class, () -> MemorySize.parse("0m"));
    assertThrows(IllegalArgumentException.class, () -> MemorySize.parse("64x"));
    assertThrows(IllegalArgumentException.class, () -> MemorySize.parse("99999999999g"));
  }
}
