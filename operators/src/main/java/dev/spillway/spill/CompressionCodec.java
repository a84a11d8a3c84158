package dev.spillway.spill;

import dev.spillway.spill.v1.Codec;
import java.io.IOException;
import org.xerial.snappy.Snappy;

/** How spill blocks are compressed. Snappy is the default; NONE lets benchmarks compare. */
public enum CompressionCodec {
  /** Blocks are stored as they are. */
  NONE(Codec.CODEC_NONE) {
    @Override
    int maxCompressedLength(int rawLength) {
      return rawLength;
    }

    @Override
    int compress(byte[] raw, int length, byte[] out, int outOffset) {
      System.arraycopy(raw, 0, out, outOffset, length);
      return length;
    }

    @Override
    void decompress(byte[] stored, int offset, int length, byte[] raw, int rawLength)
        throws IOException {
      if (length != rawLength) {
        throw new IOException("stored " + length + " bytes but the frame says " + rawLength);
      }
      System.arraycopy(stored, offset, raw, 0, length);
    }
  },
  /** Snappy's raw format, through snappy-java's native library. */
  SNAPPY(Codec.CODEC_SNAPPY) {
    @Override
    int maxCompressedLength(int rawLength) {
      return Snappy.maxCompressedLength(rawLength);
    }

    @Override
    int compress(byte[] raw, int length, byte[] out, int outOffset) throws IOException {
      return Snappy.compress(raw, 0, length, out, outOffset);
    }

    @Override
    void decompress(byte[] stored, int offset, int length, byte[] raw, int rawLength)
        throws IOException {
      if (!Snappy.isValidCompressedBuffer(stored, offset, length)
          || Snappy.uncompressedLength(stored, offset, length) != rawLength) {
        throw new IOException("Snappy data does not decompress to the " + rawLength
            + " bytes the frame says");
      }
      Snappy.uncompress(stored, offset, length, raw, 0);
    }
  };

  private final Codec proto;

  CompressionCodec(Codec proto) {
    this.proto = proto;
  }

  Codec toProto() {
    return proto;
  }

  static CompressionCodec fromProto(Codec codec) throws IOException {
    for (CompressionCodec c : values()) {
      if (c.proto == codec) {
        return c;
      }
    }
    throw new IOException("unknown codec " + codec);
  }

  abstract int maxCompressedLength(int rawLength);

  /** Compresses {@code raw[0, length)} into {@code out} at {@code outOffset}; returns its size. */
  abstract int compress(byte[] raw, int length, byte[] out, int outOffset) throws IOException;

  /** Restores exactly {@code rawLength} bytes into {@code raw}, or fails. */
  abstract void decompress(byte[] stored, int offset, int length, byte[] raw, int rawLength)
      throws IOException;
}
