package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;

import dev.spillway.spill.ByteSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.KV;
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
        int length = random.nextInt(50) == 0 ? 70_000 + random.nextInt(10_000) : random.nextInt(40);
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

  @Test
  public void pairsComeBackWhole() {
    Random random = new Random(5);
    List<KV<String, Long>> pairs = new ArrayList<>();
    EncodedValues.Builder builder = new EncodedValues.Builder();
    CoderCodec<String> keys = new CoderCodec<>(StringUtf8Coder.of());
    CoderCodec<Long> values = new CoderCodec<>(VarLongCoder.of());
    for (int i = 0; i < 20_000; i++) {
      KV<String, Long> pair =
          KV.of(random.nextInt(30) == 0 ? "" : "k" + random.nextInt(1 << 20), random.nextLong());
      pairs.add(pair);
      ByteSink k = new ByteSink();
      keys.encode(pair.getKey(), k);
      ByteSink v = new ByteSink();
      values.encode(pair.getValue(), v);
      builder.addPair(k.array(), 0, k.length(), v.array(), 0, v.length());
    }
    PairCodec<String, Long> codec = new PairCodec<>(keys, values);
    EncodedValues<KV<String, Long>> encoded = builder.build(codec);
    assertEquals(pairs, new ArrayList<>(encoded));
    ByteSink one = new ByteSink();
    codec.encode(pairs.get(0), one);
    assertEquals(
        "encode writes the frame addPair writes",
        pairs.get(0),
        codec.decode(one.array(), 0, one.length()));
  }
}
