package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.ValueCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;

/** A Beam {@link Coder} as the engine's {@link ValueCodec} (outer context: the engine frames). */
public final class CoderCodec<T> implements ValueCodec<T> {
  /** From this size on a value is decoded from a {@link ByteArrayInputStream} (see decode). */
  private static final int WHOLE_READ_BYTES = 64 << 10;

  private final Coder<T> coder;

  /** Encodes and decodes with {@code coder}. */
  public CoderCodec(Coder<T> coder) {
    this.coder = coder;
  }

  @Override
  public void encode(T value, ByteSink out) {
    try {
      coder.encode(value, new SinkStream(out), Coder.Context.OUTER);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode with " + coder, e);
    }
  }

  @Override
  public T decode(byte[] bytes, int offset, int length) {
    // Beam's coders read a whole-stream value (ByteArrayCoder, StringUtf8Coder) through a growing
    // buffer, up to three copies of it at once, unless the stream is a ByteArrayInputStream, which
    // they read in one exact copy: a value of 40 MiB ran a 320 MiB heap out of memory so.
    InputStream in =
        length >= WHOLE_READ_BYTES
            ? new ByteArrayInputStream(bytes, offset, length)
            : new SliceInputStream(bytes, offset, length);
    try {
      T value = coder.decode(in, Coder.Context.OUTER);
      if (in.available() != 0) {
        throw new CoderException(in.available() + " bytes of " + length + " left after decoding");
      }
      return value;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode with " + coder, e);
    }
  }

  /** Lets a coder write straight into a {@link ByteSink}. */
  static final class SinkStream extends OutputStream {
    private final ByteSink sink;

    SinkStream(ByteSink sink) {
      this.sink = sink;
    }

    @Override
    public void write(int b) {
      sink.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      sink.write(b, off, len);
    }
  }
}
