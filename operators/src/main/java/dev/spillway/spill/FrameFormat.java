package dev.spillway.spill;

import java.util.zip.CRC32C;

/**
 * The byte-level pieces of the segment format of {@code segment.proto}: frame headers and the
 * protobuf wire encoding of {@code Record} fields, written by hand on the hot path so that no
 * object is made per record (the generated classes read and write the same bytes; the tests check
 * it).
 */
final class FrameFormat {
  static final int FORMAT_VERSION = 1;
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
}
