package dev.spillway.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.spillway.spill.ByteSink;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.KV;
import org.junit.Test;

/**
 * Values decode in place from a slice of a larger array, as the engine hands them out, for coders
 * whose outer form reads to the end (byte arrays, strings) and varint ones; bytes left over are an
 * error, not ignored.
 */
public class CoderCodecTest {
  private final Random random = new Random(8);

  @Test
  public void valuesDecodeFromTheMiddleOfAnArray() {
    for (int i = 0; i < 2_000; i++) {
      byte[] bytes = new byte[random.nextInt(300)];
      random.nextBytes(bytes);
      assertArrayEquals(bytes, roundTrip(ByteArrayCoder.of(), bytes));
      String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1) + "\u20ac";
      assertEquals(text, roundTrip(StringUtf8Coder.of(), text));
      long n = random.nextLong() >> random.nextInt(64);
      assertEquals(Long.valueOf(n), roundTrip(VarLongCoder.of(), n));
      KV<String, byte[]> kv = KV.of(text, bytes);
      KV<String, byte[]> back =
          roundTrip(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()), kv);
      assertEquals(text, back.getKey());
      assertArrayEquals(bytes, back.getValue());
      String maybe = random.nextBoolean() ? null : text;
      assertEquals(maybe, roundTrip(NullableCoder.of(StringUtf8Coder.of()), maybe));
    }
  }

  /**
   * Values of 64 KiB and more are read through another stream (one exact copy): the same values.
   */
  @Test
  public void largeValuesDecodeFromTheMiddleOfAnArray() {
    for (int length : new int[] {(64 << 10) - 1, 64 << 10, 300_000}) {
      byte[] bytes = new byte[length];
      random.nextBytes(bytes);
      assertArrayEquals(bytes, roundTrip(ByteArrayCoder.of(), bytes));
      String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
      assertEquals(text, roundTrip(StringUtf8Coder.of(), text));
      KV<String, byte[]> kv = KV.of(text, bytes);
      KV<String, byte[]> back =
          roundTrip(KvCoder.of(StringUtf8Coder.of(), ByteArrayCoder.of()), kv);
      assertEquals(text, back.getKey());
      assertArrayEquals(bytes, back.getValue());
    }
    KvCoder<String, Long> kvCoder = KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
    CoderCodec<KV<String, Long>> codec = new CoderCodec<>(kvCoder);
    ByteSink sink = new ByteSink();
    codec.encode(KV.of("x".repeat(70_000), 5L), sink);
    byte[] withExtra = Arrays.copyOf(sink.array(), sink.length() + 2);
    UncheckedIOException e =
        assertThrows(
            UncheckedIOException.class, () -> codec.decode(withExtra, 0, withExtra.length));
    assertThat(e.getCause().getMessage(), containsString("2 bytes of"));
  }

  @Test
  public void bytesLeftAfterTheValueAreAnError() {
    CoderCodec<Long> codec = new CoderCodec<>(VarLongCoder.of());
    ByteSink sink = new ByteSink();
    codec.encode(300L, sink);
    byte[] withExtra = Arrays.copyOf(sink.array(), sink.length() + 1);
    UncheckedIOException e =
        assertThrows(
            UncheckedIOException.class, () -> codec.decode(withExtra, 0, withExtra.length));
    assertThat(e.getMessage(), containsString("cannot decode with"));
    assertThat(e.getCause().getMessage(), containsString("1 bytes of 3 left after decoding"));
  }

  /** Encodes {@code value}, places it between random bytes and decodes it from there. */
  private <T> T roundTrip(Coder<T> coder, T value) {
    CoderCodec<T> codec = new CoderCodec<>(coder);
    ByteSink sink = new ByteSink();
    codec.encode(value, sink);
    int before = random.nextInt(20);
    byte[] padded = new byte[before + sink.length() + random.nextInt(20)];
    random.nextBytes(padded);
    System.arraycopy(sink.array(), 0, padded, before, sink.length());
    return codec.decode(padded, before, sink.length());
  }
}
