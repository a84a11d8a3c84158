package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.OrderedBytes;
import dev.spillway.spill.ValueCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A Beam {@link Coder} as the engine's {@link ValueCodec} (outer context: the engine frames).
 *
 * <p>The commonest coders of keys and values ({@link Kind}) are encoded and decoded here directly,
 * byte for byte as the coder itself would: through the coder, each value cost a stream object and a
 * virtual call per byte of a varint, in the partial step's every record and the merge step's every
 * key and value (6% and 2% of a Spark job's samples grouping longs, BENCHMARKS). Any other coder,
 * and a null these coders refuse, go through the coder.
 */
public final class CoderCodec<T> implements ValueCodec<T> {
  /** From this size on a value is decoded from a {@link ByteArrayInputStream} (see decode). */
  private static final int WHOLE_READ_BYTES = 64 << 10;

  private final Coder<T> coder;
  private final Kind kind;

  /** Encodes and decodes with {@code coder}. */
  public CoderCodec(Coder<T> coder) {
    this.coder = coder;
    this.kind = Kind.of(coder);
  }

  /** The coders encoded here directly, each exactly as Beam's class (not a subclass) encodes. */
  enum Kind {
    /** {@link VarLongCoder}: {@code VarInt} of the long's 64 bits. */
    VAR_LONG,
    /** {@link VarIntCoder}: {@code VarInt} of the int's 32 bits, unsigned. */
    VAR_INT,
    /** {@link BigEndianLongCoder}: eight bytes, big-endian. */
    BIG_ENDIAN_LONG,
    /** {@link StringUtf8Coder}, outer context: the string's UTF-8 bytes. */
    UTF8,
    /** Any other coder: through the coder. */
    CODER;

    static Kind of(Coder<?> coder) {
      Class<?> type = coder.getClass();
      if (type == VarLongCoder.class) {
        return VAR_LONG;
      }
      if (type == VarIntCoder.class) {
        return VAR_INT;
      }
      if (type == BigEndianLongCoder.class) {
        return BIG_ENDIAN_LONG;
      }
      return type == StringUtf8Coder.class ? UTF8 : CODER;
    }
  }

  @Override
  public void encode(T value, ByteSink out) {
    if (value != null) {
      switch (kind) {
        case VAR_LONG:
          out.writeVarLong((Long) value);
          return;
        case VAR_INT:
          out.writeVarint((Integer) value);
          return;
        case BIG_ENDIAN_LONG:
          out.writeLong((Long) value);
          return;
        case UTF8:
          out.write(((String) value).getBytes(StandardCharsets.UTF_8));
          return;
        default:
          break;
      }
    }
    try {
      coder.encode(value, new SinkStream(out), Coder.Context.OUTER);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode with " + coder, e);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public T decode(byte[] bytes, int offset, int length) {
    switch (kind) {
      case VAR_LONG:
        return (T) (Long) decodeVarLong(bytes, offset, length);
      case VAR_INT:
        return (T) (Integer) decodeVarInt(bytes, offset, length);
      case BIG_ENDIAN_LONG:
        if (length != 8) {
          throw notDecoded(length + " bytes, not the 8 of a long");
        }
        return (T) (Long) OrderedBytes.getUnsignedLong(bytes, offset);
      case UTF8:
        return (T) new String(bytes, offset, length, StandardCharsets.UTF_8);
      default:
        return decodeWithCoder(bytes, offset, length);
    }
  }

  /** Beam's {@code VarInt.decodeLong}, where the varint must fill the slice. */
  private long decodeVarLong(byte[] bytes, int offset, int length) {
    long value = 0;
    int end = offset + length;
    for (int shift = 0, at = offset; at < end; shift += 7) {
      if (shift >= 64) {
        throw notDecoded("a varint longer than a long");
      }
      byte b = bytes[at++];
      value |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        if (at != end) {
          throw leftOver(end - at, length);
        }
        return value;
      }
    }
    throw notDecoded("a varint cut short");
  }

  /** Beam's {@code VarInt.decodeInt}: a varint of at most 32 bits. */
  private int decodeVarInt(byte[] bytes, int offset, int length) {
    long value = decodeVarLong(bytes, offset, length);
    if (value < 0 || value >= 1L << 32) {
      throw notDecoded("varint overflow " + value);
    }
    return (int) value;
  }

  /** Bytes of a value's slice that its decoding did not read: an error, not ignored. */
  private UncheckedIOException leftOver(int left, int length) {
    return notDecoded(left + " bytes of " + length + " left after decoding");
  }

  private UncheckedIOException notDecoded(String why) {
    return new UncheckedIOException("cannot decode with " + coder, new CoderException(why));
  }

  private T decodeWithCoder(byte[] bytes, int offset, int length) {
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
        throw leftOver(in.available(), length);
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
