package dev.spillway.transforms;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decoding a value that the engine hands out as a slice of its memory, per value: {@code inPlace}
 * is {@link CoderCodec#decode} (the coder reads the slice through {@link SliceInputStream}); {@code
 * copyThenCoderUtils} is how it decoded before (copy the slice, then Beam's {@code
 * CoderUtils.decodeFromByteArray}). Run with {@code java -cp
 * benchmarks/target/spillway-benchmarks.jar org.openjdk.jmh.Main DecodeBenchmarks}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class DecodeBenchmarks {
  private static final int VALUES = 4096;

  /** Values as Beam coders write them: varint longs, or strings of 0 to 40 characters. */
  @Param({"VarLong", "StringUtf8"})
  public String coder;

  private Coder<Object> beamCoder;
  private CoderCodec<Object> codec;
  private byte[] memory;
  private int[] offsets;
  private int[] lengths;

  @Setup
  @SuppressWarnings("unchecked")
  public void setUp() throws CoderException {
    beamCoder =
        (Coder<Object>)
            (Coder<?>) (coder.equals("VarLong") ? VarLongCoder.of() : StringUtf8Coder.of());
    codec = new CoderCodec<>(beamCoder);
    Random random = new Random(3);
    memory = new byte[VALUES * 48];
    offsets = new int[VALUES];
    lengths = new int[VALUES];
    int p = 0;
    for (int i = 0; i < VALUES; i++) {
      Object value =
          coder.equals("VarLong")
              ? (Object) (random.nextLong() >>> random.nextInt(64))
              : "v".repeat(random.nextInt(41));
      byte[] encoded = CoderUtils.encodeToByteArray(beamCoder, value, Coder.Context.OUTER);
      System.arraycopy(encoded, 0, memory, p, encoded.length);
      offsets[i] = p;
      lengths[i] = encoded.length;
      p += encoded.length;
    }
  }

  @Benchmark
  @OperationsPerInvocation(VALUES)
  public void inPlace(Blackhole out) {
    for (int i = 0; i < VALUES; i++) {
      out.consume(codec.decode(memory, offsets[i], lengths[i]));
    }
  }

  @Benchmark
  @OperationsPerInvocation(VALUES)
  public void copyThenCoderUtils(Blackhole out) throws CoderException {
    for (int i = 0; i < VALUES; i++) {
      byte[] copy = Arrays.copyOfRange(memory, offsets[i], offsets[i] + lengths[i]);
      out.consume(CoderUtils.decodeFromByteArray(beamCoder, copy, Coder.Context.OUTER));
    }
  }
}
