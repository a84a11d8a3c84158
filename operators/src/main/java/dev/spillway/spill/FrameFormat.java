package dev.spillway.spill;

import java.io.IOException;
import java.util.zip.CRC32C;
import javax.crypto.AEADBadTagException;

/**
 * The byte-level pieces of the segment format of {@code segment.proto}: frames (header, stored
 * bytes: compressed, then encrypted when a cipher is given) and the protobuf wire encoding of
 * {@code Record} fields, written by hand on the hot path so that no object is made per record (the
 * generated classes read and write the same bytes; the tests check it). Spill segments and {@link
 * BlockFile}s store their blocks as these frames.
 */
final class FrameFormat {
  static final int FORMAT_VERSION = 2;

  /** stored length, raw length, CRC32C: three little-endian fixed32s. */
  static final int FRAME_HEADER_BYTES = 12;

  /** The longest a varint32 can be; record lengths are reserved at this width, then compacted. */
  static final int MAX_VARINT32_BYTES = 5;

  /** {@code Block.records} (field 1, length-delimited). */
  static final byte TAG_RECORD = 0x0A;

  /** {@code Record.key} (field 1, length-delimited). */
  static final byte TAG_KEY = 0x0A;

  /** {@code Record.value} (field 2, length-delimited). */
  static final byte TAG_VALUE = 0x12;

  /** {@code Record.values} (field 3, length-delimited). */
  static final byte TAG_VALUES = 0x1A;

  private FrameFormat() {}

  static void putIntLE(byte[] buf, int pos, int v) {
    buf[pos] = (byte) v;
    buf[pos + 1] = (byte) (v >>> 8);
    buf[pos + 2] = (byte) (v >>> 16);
    buf[pos + 3] = (byte) (v >>> 24);
  }

  static int getIntLE(byte[] buf, int pos) {
    return (buf[pos] & 0xFF)
        | (buf[pos + 1] & 0xFF) << 8
        | (buf[pos + 2] & 0xFF) << 16
        | (buf[pos + 3] & 0xFF) << 24;
  }

  /** The frame checksum: CRC32C over the raw length's four bytes, then the stored bytes. */
  static int checksum(CRC32C crc, int rawLength, byte[] stored, int offset, int length) {
    crc.reset();
    crc.update(rawLength);
    crc.update(rawLength >>> 8);
    crc.update(rawLength >>> 16);
    crc.update(rawLength >>> 24);
    crc.update(stored, offset, length);
    return (int) crc.getValue();
  }

  /** The most bytes a frame of {@code rawLength} raw bytes takes, its header included. */
  static int maxFrameBytes(CompressionCodec codec, FrameCipher cipher, int rawLength) {
    return FRAME_HEADER_BYTES
        + codec.maxCompressedLength(rawLength)
        + (cipher == null ? 0 : FrameCipher.OVERHEAD);
  }

  /**
   * Writes {@code raw[0, rawLength)} as one frame at {@code out[at]}, which must have room for
   * {@link #maxFrameBytes}: compressed, encrypted under {@code cipher} unless it is null (the nonce
   * drawn for {@code block}), behind its header. Returns the frame's length.
   */
  static int writeFrame(
      CompressionCodec codec,
      FrameCipher cipher,
      CRC32C crc,
      byte[] raw,
      int rawLength,
      byte[] out,
      int at,
      long block)
      throws IOException {
    int data = at + FRAME_HEADER_BYTES;
    int storedLength;
    if (cipher == null) {
      storedLength = codec.compress(raw, rawLength, out, data);
    } else {
      int compressed = codec.compress(raw, rawLength, out, data + FrameCipher.NONCE_BYTES);
      storedLength = cipher.encrypt(out, data, compressed, rawLength, block);
    }
    putIntLE(out, at, storedLength);
    putIntLE(out, at + 4, rawLength);
    putIntLE(out, at + 8, checksum(crc, rawLength, out, data, storedLength));
    return FRAME_HEADER_BYTES + storedLength;
  }

  /**
   * Checks a frame's {@code storedLength} stored bytes at {@code stored[offset]} against the CRC32C
   * and raw length of its header, before anything is allocated for it or decompressed.
   *
   * @throws IOException describing what is wrong
   */
  static void checkFrame(
      CompressionCodec codec,
      CRC32C crc,
      byte[] stored,
      int offset,
      int storedLength,
      int rawLength,
      int expectedCrc)
      throws IOException {
    int actualCrc = checksum(crc, rawLength, stored, offset, storedLength);
    if (actualCrc != expectedCrc) {
      throw new IOException(
          String.format("CRC32C mismatch (stored %08x, computed %08x)", expectedCrc, actualCrc));
    }
    if (rawLength < 0 || rawLength > (long) storedLength * codec.maxExpansion() + 64) {
      throw new IOException(
          "a raw length of "
              + rawLength
              + " bytes is impossible for "
              + storedLength
              + " stored bytes");
    }
  }

  /**
   * Decrypts (unless {@code cipher} is null) and decompresses a {@linkplain #checkFrame checked}
   * frame's stored bytes into {@code raw[0, rawLength)}.
   *
   * @throws IOException describing what is wrong, also when the frame does not authenticate
   */
  static void unpackFrame(
      CompressionCodec codec,
      FrameCipher cipher,
      byte[] stored,
      int offset,
      int storedLength,
      byte[] raw,
      int rawLength,
      long block)
      throws IOException {
    int dataOffset = offset;
    int dataLength = storedLength;
    if (cipher != null) {
      try {
        dataLength = cipher.decrypt(stored, offset, storedLength, rawLength, block);
      } catch (AEADBadTagException e) {
        throw new IOException(
            "the encrypted frame does not authenticate (changed, moved or"
                + " written under another key)",
            e);
      }
      dataOffset = offset + FrameCipher.NONCE_BYTES;
    }
    codec.decompress(stored, dataOffset, dataLength, raw, rawLength);
  }
}
