package dev.spillway.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.spillway.spill.ByteSink;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;
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

  /**
   * The coders encoded directly ({@link CoderCodec.Kind}) give the coder's own bytes, which Beam's
   * {@code GroupByKey} groups keys by, and decode what the coder wrote: extremes, negatives, and
   * strings with characters of every width and unpaired surrogates (which UTF-8 cannot hold).
   */
  @Test
  public void theCommonestCodersEncodeByteForByteAsTheCoderItself() throws Exception {
    List<Long> longs =
        new ArrayList<>(List.of(0L, 1L, -1L, 127L, 128L, Long.MIN_VALUE, Long.MAX_VALUE));
    List<Integer> ints =
        new ArrayList<>(List.of(0, 1, -1, 127, 128, Integer.MIN_VALUE, Integer.MAX_VALUE));
    List<String> strings =
        new ArrayList<>(
            List.of("", "a", "\u00e9t\u00e9", "\u20ac", "\ud83d\ude00", "\ud800", "x\udc00y"));
    for (int i = 0; i < 2_000; i++) {
      longs.add(random.nextLong() >> random.nextInt(64));
      ints.add(random.nextInt() >> random.nextInt(32));
      StringBuilder text = new StringBuilder();
      for (int c = random.nextInt(12); c > 0; c--) {
        text.append((char) random.nextInt(1 << (7 + random.nextInt(10))));
      }
      strings.add(text.toString());
    }
    for (long n : longs) {
      assertSameAsTheCoder(VarLongCoder.of(), n);
      assertSameAsTheCoder(BigEndianLongCoder.of(), n);
    }
    for (int n : ints) {
      assertSameAsTheCoder(VarIntCoder.of(), n);
    }
    for (String text : strings) {
      assertSameAsTheCoder(StringUtf8Coder.of(), text);
    }
    assertEquals(CoderCodec.Kind.VAR_LONG, CoderCodec.Kind.of(VarLongCoder.of()));
    assertEquals(CoderCodec.Kind.CODER, CoderCodec.Kind.of(NullableCoder.of(VarLongCoder.of())));
  }

  /** A slice that is not one whole varint, or one too large for an int, is refused by name. */
  @Test
  public void brokenVarintsAreRefused() {
    CoderCodec<Long> longs = new CoderCodec<>(VarLongCoder.of());
    byte[] cut = {(byte) 0x81, (byte) 0x82};
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> longs.decode(cut, 0, cut.length));
    assertThat(e.getCause().getMessage(), containsString("cut short"));
    ByteSink sink = new ByteSink();
    longs.encode(1L << 40, sink);
    CoderCodec<Integer> ints = new CoderCodec<>(VarIntCoder.of());
    e = assertThrows(UncheckedIOException.class, () -> ints.decode(sink.array(), 0, sink.length()));
    assertThat(e.getCause().getMessage(), containsString("varint overflow"));
    CoderCodec<Long> bigEndian = new CoderCodec<>(BigEndianLongCoder.of());
    assertThrows(UncheckedIOException.class, () -> bigEndian.decode(new byte[7], 0, 7));
  }

  private <T> void assertSameAsTheCoder(Coder<T> coder, T value) throws Exception {
    CoderCodec<T> codec = new CoderCodec<>(coder);
    ByteSink sink = new ByteSink();
    codec.encode(value, sink);
    byte[] expected = CoderUtils.encodeToByteArray(coder, value);
    assertArrayEquals(String.valueOf(value), expected, sink.toByteArray());
    assertEquals(CoderUtils.decodeFromByteArray(coder, expected), roundTrip(coder, value));
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
