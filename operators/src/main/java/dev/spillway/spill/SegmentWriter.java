package dev.spillway.spill;

import static dev.spillway.spill.FrameFormat.MAX_VARINT32_BYTES;
import static dev.spillway.spill.FrameFormat.TAG_KEY;
import static dev.spillway.spill.FrameFormat.TAG_RECORD;
import static dev.spillway.spill.FrameFormat.TAG_VALUE;
import static dev.spillway.spill.FrameFormat.TAG_VALUES;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import dev.spillway.spill.v1.SegmentHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Writes one segment of {@code segment.proto} at the end of a spill file: a header, then records
 * packed into blocks of at most the block size, each compressed and framed with its CRC32C.
 *
 * <p>Use: {@link #append} for KEY_VALUE segments, or {@link #startKey} / {@link #appendValue} for
 * KEY_VALUES segments (a key's values continue in a new record with the same key when a block
 * fills); then {@link #finish()} once, which patches the record count into the header.
 */
final class SegmentWriter {
  private final SpillFileWriter out;
  private final CompressionCodec codec;

  /** Null unless spills are encrypted. */
  private final FrameCipher cipher;

  private final IoBuffers.Slot slot;
  private final int blockBytes;
  private final SegmentHeader.Builder header;
  private final long start;
  private final CRC32C crc = new CRC32C();

  private int pos;
  private long pairs;
  private long records;
  private long rawBytes;
  private long block;

  /**
   * The framed header until it is written, in one system call with the first block; most segments
   * of a small budget's spills are one block, and their header then goes out final, unpatched.
   */
  private byte[] pendingHeader;

  /** The open KEY_VALUES record: where it starts in the block, and a copy of its key. */
  private int recordStart = -1;

  private byte[] key = new byte[64];
  private int keyLength;
  private boolean keyStarted;

  SegmentWriter(
      SpillFileWriter out,
      CompressionCodec codec,
      FrameCipher cipher,
      IoBuffers.Slot slot,
      int blockBytes,
      Layout layout,
      Order order) {
    this.out = out;
    this.codec = codec;
    this.cipher = cipher;
    this.slot = slot;
    this.blockBytes = blockBytes;
    this.start = out.position();
    this.header =
        SegmentHeader.newBuilder()
            .setFormatVersion(FrameFormat.FORMAT_VERSION)
            .setCodec(codec.toProto())
            .setRecordCount(0)
            .setLayout(layout)
            .setOrder(order)
            .setEncrypted(cipher != null);
    this.pendingHeader = framed(header.build().toByteArray());
  }

  private static byte[] framed(byte[] header) {
    byte[] framed = new byte[Varint.size(header.length) + header.length];
    int p = Varint.put(framed, 0, header.length);
    System.arraycopy(header, 0, framed, p, header.length);
    return framed;
  }

  /** Appends a KEY_VALUE record. */
  void append(byte[] k, int kOff, int kLen, byte[] v, int vOff, int vLen) {
    int body = 1 + Varint.size(kLen) + kLen + 1 + Varint.size(vLen) + vLen;
    ensureRoom(1 + Varint.size(body) + body);
    byte[] raw = slot.raw;
    raw[pos++] = TAG_RECORD;
    pos = Varint.put(raw, pos, body);
    pos = putField(raw, pos, TAG_KEY, k, kOff, kLen);
    pos = putField(raw, pos, TAG_VALUE, v, vOff, vLen);
    pairs++;
    records++;
  }

  /** Starts a KEY_VALUES key; its record opens with its first value. */
  void startKey(byte[] k, int kOff, int kLen) {
    endRecord();
    if (key.length < kLen) {
      key = new byte[Math.max(kLen, key.length * 2)];
    }
    System.arraycopy(k, kOff, key, 0, kLen);
    keyLength = kLen;
    keyStarted = true;
  }

  /** Appends a value to the current key's record, continuing it in a new block if need be. */
  void appendValue(byte[] v, int vOff, int vLen) {
    if (!keyStarted) {
      throw new IllegalStateException("appendValue() before startKey()");
    }
    int need = 1 + Varint.size(vLen) + vLen;
    if (recordStart >= 0 && pos + need > blockBytes) {
      // The block is full: close this record here and carry the key over to the next block.
      endRecord();
    }
    if (recordStart < 0) {
      openRecord(need);
    }
    pos = putField(slot.raw, pos, TAG_VALUES, v, vOff, vLen);
    pairs++;
  }

  /** Writes the last block and the final header; returns where the segment lies. */
  SegmentLocation finish() {
    endRecord();
    byte[] h = header.setRecordCount(pairs).build().toByteArray();
    if (pendingHeader != null) {
      pendingHeader = framed(h); // nothing written yet: the header goes out final
      flushBlock();
      if (pendingHeader != null) { // an empty segment
        out.write(pendingHeader, 0, pendingHeader.length);
        pendingHeader = null;
      }
    } else {
      flushBlock();
      // The record count is a fixed64: the header keeps its length.
      out.writeAt(start + Varint.size(h.length), h, 0, h.length);
    }
    return new SegmentLocation(out.path(), start, out.position() - start, pairs, records, rawBytes);
  }

  private int recordHeadBytes() {
    return 1 + MAX_VARINT32_BYTES + 1 + Varint.size(keyLength) + keyLength;
  }

  private void openRecord(int firstValueBytes) {
    ensureRoom(recordHeadBytes() + firstValueBytes);
    recordStart = pos;
    byte[] raw = slot.raw;
    raw[pos] = TAG_RECORD;
    pos += 1 + MAX_VARINT32_BYTES; // the length, written by endRecord()
    pos = putField(raw, pos, TAG_KEY, key, 0, keyLength);
    records++;
  }

  /** Writes the open record's length into its reserved five bytes and closes the gap. */
  private void endRecord() {
    if (recordStart < 0) {
      return;
    }
    byte[] raw = slot.raw;
    int bodyStart = recordStart + 1 + MAX_VARINT32_BYTES;
    int body = pos - bodyStart;
    int lengthEnd = Varint.put(raw, recordStart + 1, body);
    System.arraycopy(raw, bodyStart, raw, lengthEnd, body);
    pos = lengthEnd + body;
    recordStart = -1;
  }

  private static int putField(byte[] raw, int pos, byte tag, byte[] src, int off, int len) {
    raw[pos++] = tag;
    pos = Varint.put(raw, pos, len);
    System.arraycopy(src, off, raw, pos, len);
    return pos + len;
  }

  /** Makes room for {@code bytes} more in the block: flushes it, or grows it for a lone record. */
  private void ensureRoom(int bytes) {
    if (pos + bytes > blockBytes && pos > 0) {
      flushBlock();
    }
    if (pos + bytes > slot.raw.length) {
      growRaw(pos + bytes);
    }
  }

  private void growRaw(int size) {
    slot.raw = Arrays.copyOf(slot.raw, size);
  }

  private void flushBlock() {
    if (pos == 0) {
      return;
    }
    int storedMax = FrameFormat.maxFrameBytes(codec, cipher, pos);
    if (slot.stored.length < storedMax) {
      slot.stored = new byte[storedMax];
    }
    byte[] stored = slot.stored;
    int frameLength;
    try {
      frameLength = FrameFormat.writeFrame(codec, cipher, crc, slot.raw, pos, stored, 0, block);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot compress block " + block + " of " + out.path(), e);
    }
    if (pendingHeader != null) {
      out.write(pendingHeader, pendingHeader.length, stored, 0, frameLength);
      pendingHeader = null;
    } else {
      out.write(stored, 0, frameLength);
    }
    rawBytes += pos;
    block++;
    pos = 0;
  }
}
