package dev.spillway.spill;

import dev.spillway.spill.v1.Codec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * One block of bytes in a file of its own, as the spill format stores a block: compressed, with a
 * CRC32C, encrypted under an {@link ExchangeKey} when given. The block lives on the caller's heap,
 * so nothing is taken from a memory pool: for a shuffle whose elements are blocks the runner would
 * otherwise hold (a transform's partial results on the DirectRunner).
 *
 * <p>A file is {@code [magic "SWB1"][codec: 1 byte][stored length][raw length][CRC32C][stored
 * bytes]} (lengths and CRC little-endian, as a spill frame). It is written {@linkplain WholeFile
 * whole}: a reader never sees half a file under its name.
 *
 * <pre>{@code
 * BlockFile files = new BlockFile(CompressionCodec.LZ4, key);   // one per thread
 * files.write(dir.resolve("b-1"), block, block.length);
 * byte[] again = files.read(dir.resolve("b-1"));
 * }</pre>
 */
public final class BlockFile {
  private static final int MAGIC = 0x31425753; // "SWB1" read little-endian

  /** The magic and the codec's byte, before the frame. */
  private static final int PREFIX_BYTES = 5;

  private static final int HEADER_BYTES = PREFIX_BYTES + FrameFormat.FRAME_HEADER_BYTES;

  /**
   * The largest file buffer kept from one block to the next: a larger block (a record of its own,
   * megabytes, say) gets a buffer for its write only, so that it is not held for the thread's life.
   */
  private static final int KEPT_BUFFER_BYTES = 1 << 20;

  private final CompressionCodec codec;
  private final FrameCipher cipher;
  private final CRC32C crc = new CRC32C();

  /** The file being written, reused from block to block. */
  private byte[] out = new byte[0];

  /** Writes with {@code codec}; encrypts under {@code key} unless it is null. Not thread-safe. */
  public BlockFile(CompressionCodec codec, ExchangeKey key) {
    this.codec = codec;
    this.cipher = key == null ? null : key.cipher();
  }

  /** Writes {@code block[0, length)} to {@code file}, replacing it; returns the file's size. */
  public long write(Path file, byte[] block, int length) {
    try {
      return writeEncoded(file, encode(file, block, length));
    } finally {
      if (out.length > KEPT_BUFFER_BYTES) {
        out = new byte[0];
      }
    }
  }

  private long writeEncoded(Path file, int size) {
    try {
      WholeFile.write(
          file,
          stream -> {
            stream.write(out, 0, size);
            return null;
          });
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write block file "
              + file
              + " in directory "
              + file.getParent()
              + " ("
              + e.getMessage()
              + ")",
          e);
    }
    return size;
  }

  /** Puts the file for {@code block[0, length)} in {@link #out}; returns its size. */
  private int encode(Path file, byte[] block, int length) {
    int most = PREFIX_BYTES + FrameFormat.maxFrameBytes(codec, cipher, length);
    if (out.length < most) {
      out = new byte[most];
    }
    FrameFormat.putIntLE(out, 0, MAGIC);
    out[4] = (byte) codec.toProto().getNumber();
    try {
      return PREFIX_BYTES
          + FrameFormat.writeFrame(codec, cipher, crc, block, length, out, PREFIX_BYTES, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot compress a block for " + file + ": " + e, e);
    }
  }

  /**
   * The block in {@code file}.
   *
   * @throws CorruptSegmentException naming the file if it is not a block file, was changed, cut
   *     short or written under another key
   */
  public byte[] read(Path file) {
    byte[] in;
    try {
      in = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read block file " + file + ": " + e, e);
    }
    if (in.length < HEADER_BYTES || FrameFormat.getIntLE(in, 0) != MAGIC) {
      throw new CorruptSegmentException(file, -1, "not a block file");
    }
    CompressionCodec stored;
    try {
      Codec proto = Codec.forNumber(in[4]);
      stored = CompressionCodec.fromProto(proto == null ? Codec.UNRECOGNIZED : proto);
    } catch (IOException | IllegalArgumentException e) {
      throw new CorruptSegmentException(file, -1, "unknown codec " + in[4]);
    }
    int storedLength = FrameFormat.getIntLE(in, PREFIX_BYTES);
    int rawLength = FrameFormat.getIntLE(in, PREFIX_BYTES + 4);
    int expectedCrc = FrameFormat.getIntLE(in, PREFIX_BYTES + 8);
    if (storedLength != in.length - HEADER_BYTES) {
      throw new CorruptSegmentException(
          file,
          0,
          "a frame of "
              + storedLength
              + " bytes in a file"
              + " of "
              + in.length
              + " (truncated or corrupt length)");
    }
    try {
      FrameFormat.checkFrame(stored, crc, in, HEADER_BYTES, storedLength, rawLength, expectedCrc);
      byte[] raw = new byte[rawLength];
      FrameFormat.unpackFrame(stored, cipher, in, HEADER_BYTES, storedLength, raw, rawLength, 0);
      return raw;
    } catch (IOException e) {
      throw new CorruptSegmentException(file, 0, e.getMessage(), e);
    }
  }
}
