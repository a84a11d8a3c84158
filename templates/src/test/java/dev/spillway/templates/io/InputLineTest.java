package dev.spillway.templates.io;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/**
 * {@link InputLine}'s fields, split on demand for plain lines, against {@link Csv#split} of the
 * whole line: every field, in any order asked, and the same error for a column the line lacks.
 */
public class InputLineTest {
  @Test
  public void fieldsAskedInAnyOrderAreThoseOfTheWholeSplit() {
    Random random = new Random(5);
    char[] alphabet = {'a', ',', '"', '\t', ' ', 'é', 'x', ';', '1'};
    InputLine input = new InputLine();
    for (char delimiter : new char[] {',', '\t', ';'}) {
      Csv csv = new Csv(delimiter);
      for (int n = 0; n < 3_000; n++) {
        List<String> fields = new ArrayList<>();
        for (int f = 1 + random.nextInt(40); f > 0; f--) {
          StringBuilder b = new StringBuilder();
          for (int c = random.nextInt(6); c > 0; c--) {
            b.append(alphabet[random.nextInt(alphabet.length)]);
          }
          fields.add(b.toString());
        }
        String text = csv.join(fields);
        input.set(csv, text, 0, n);
        String[] whole = csv.split(text);
        assertEquals(fields.size(), whole.length);
        // Asked out of order, some twice, as several parsers of one line would.
        for (int k = 0; k < whole.length + 3; k++) {
          int i = random.nextInt(whole.length);
          assertEquals(text, whole[i], input.field(i, "c" + i));
        }
        for (int i = whole.length - 1; i >= 0; i--) {
          assertEquals(text, whole[i], input.field(i, "c" + i));
        }
        MalformedLineException missing =
            assertThrows(MalformedLineException.class, () -> input.field(whole.length, "extra"));
        assertEquals(
            "missing column 'extra' (the line has "
                + whole.length
                + (whole.length == 1 ? " field)" : " fields)"),
            missing.getMessage());
      }
    }
  }

  @Test
  public void aBrokenQuoteFailsTheLineWhateverColumnIsRead() {
    InputLine input = new InputLine();
    Csv csv = new Csv(',');
    assertThrows(MalformedLineException.class, () -> input.set(csv, "a,b,\"open", 0, 0));
    input.set(csv, "", 0, 0);
    assertEquals("", input.field(0, "first"));
    assertThrows(MalformedLineException.class, () -> input.field(1, "second"));
  }
}
