package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.junit.Test;

/** Encoded values come back equal, in order, on every iteration, across chunk boundaries. */
public class EncodedValuesTest {
  @Test
  public void valuesSurviveChunkingAndReiteration() {
    Random random = new Random(4);
    for (int round = 0; round < 20; round++) {
      List<String> values = new ArrayList<>();
      EncodedValues.Builder builder = new EncodedValues.Builder();
      for (int i = random.nextInt(3_000); i > 0; i--) {
        int length = random.nextInt(50) == 0 ? 70_000 + random.nextInt(10_000)
            : random.nextInt(40);
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < length; c++) {
          b.append((char) ('a' + random.nextInt(26)));
        }
        values.add(b.toString());
        byte[] encoded = b.toString().getBytes(StandardCharsets.UTF_8);
        builder.add(encoded, 0, encoded.length);
      }
      EncodedValues<String> encoded = builder.build(new CoderCodec<>(StringUtf8Coder.of()));
      assertEquals(values.size(), encoded.size());
      assertEquals(values, new ArrayList<>(encoded));
      assertEquals("a second iteration", values, new ArrayList<>(encoded));
    }
  }
}
