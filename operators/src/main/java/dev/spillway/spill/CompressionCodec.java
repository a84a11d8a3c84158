package dev.spillway.spill;

import dev.spillway.spill.v1.Codec;
import java.io.IOException;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.xerial.snappy.Snappy;

/**
 * How spill blocks are compressed. LZ4 is the default: on every standard workload it spilled faster
 * and smaller than Snappy (BENCHMARKS.md has them side by side); NONE stores blocks as they are.
 */
public enum CompressionCodec {
  /** Blocks are stored as they are. */
  NONE(Codec.CODEC_NONE, 1) {
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
  SNAPPY(Codec.CODEC_SNAPPY, 32) {
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
        throw new IOException(
            "Snappy data does not decompress to the " + rawLength + " bytes the frame says");
      }
      Snappy.uncompress(stored, offset, length, raw, 0);
    }
  },
  /**
   * LZ4's block format, through lz4-java (its native library where it loads, else its Java code);
   * read back with the decompressor that checks its input's bounds.
   */
  LZ4(Codec.CODEC_LZ4, 256) {
    @Override
    int maxCompressedLength(int rawLength) {
      return Lz4.COMPRESSOR.maxCompressedLength(rawLength);
    }

    @Override
    int compress(byte[] raw, int length, byte[] out, int outOffset) {
      return Lz4.COMPRESSOR.compress(raw, 0, length, out, outOffset, out.length - outOffset);
    }

    @Override
    void decompress(byte[] stored, int offset, int length, byte[] raw, int rawLength)
        throws IOException {
      int restored;
      try {
        restored = Lz4.DECOMPRESSOR.decompress(stored, offset, length, raw, 0, rawLength);
      } catch (LZ4Exception e) {
        throw new IOException("LZ4 data does not decompress: " + e.getMessage(), e);
      }
      if (restored != rawLength) {
        throw new IOException(
            "LZ4 data decompresses to " + restored + " bytes but the frame says " + rawLength);
      }
    }
  };

  /** LZ4's coders, made when first used, so that other codecs never load its library. */
  private static final class Lz4 {
    private static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
    static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
    static final LZ4SafeDecompressor DECOMPRESSOR = FACTORY.safeDecompressor();
  }

  private final Codec proto;
  private final int maxExpansion;

  CompressionCodec(Codec proto, int maxExpansion) {
    this.proto = proto;
    this.maxExpansion = maxExpansion;
  }

  /**
   * How many times its stored size a block can be once restored: Snappy reaches about 21, LZ4 about
   * 255 (a run of one byte). A frame claiming more is corrupt, and is refused before its raw length
   * is allocated.
   */
  int maxExpansion() {
    return maxExpansion;
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
