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
import java.util.zip.CRC32C;

/**
 * Writes one segment of {@code segment.proto} at the end of a spill file: a header, then records
 * packed into blocks of at most the block size, each compressed and framed with its CRC32C. A
 * record larger than a block starts a block and continues over as many as it needs, so the writer
 * never holds more than one block of it, whatever its size.
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
    appendRecord(k, kOff, kLen, TAG_VALUE, v, vOff, vLen);
    pairs++;
  }

  /** Writes a whole record of a key and one value field, spanning blocks if it needs to. */
  private void appendRecord(
      byte[] k, int kOff, int kLen, byte valueTag, byte[] v, int vOff, int vLen) {
    long body = 2L + Varint.size(kLen) + kLen + Varint.size(vLen) + (long) vLen;
    if (body > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException(
          "a record of " + body + " bytes is larger than a spill record can be (2 GiB)");
    }
    int bytes = 1 + Varint.size((int) body) + (int) body;
    if (bytes > blockBytes) {
      appendSpanning((int) body, k, kOff, kLen, valueTag, v, vOff, vLen);
    } else {
      ensureRoom(bytes);
      byte[] raw = slot.raw;
      raw[pos++] = TAG_RECORD;
      pos = Varint.put(raw, pos, (int) body);
      pos = putField(raw, pos, TAG_KEY, k, kOff, kLen);
      pos = putField(raw, pos, valueTag, v, vOff, vLen);
    }
    records++;
  }

  /**
   * Writes a record larger than a block from the start of a new block on, a block's worth at a
   * time: the reader gathers it from the frames that follow (its length, at the start of a frame,
   * says how far it goes). The caller's arrays are copied once, into the block buffer.
   */
  private void appendSpanning(
      int body, byte[] k, int kOff, int kLen, byte valueTag, byte[] v, int vOff, int vLen) {
    flushBlock();
    byte[] raw = slot.raw;
    raw[pos++] = TAG_RECORD;
    pos = Varint.put(raw, pos, body);
    raw[pos++] = TAG_KEY;
    pos = Varint.put(raw, pos, kLen);
    stream(k, kOff, kLen);
    byte[] fieldHead = new byte[1 + MAX_VARINT32_BYTES];
    fieldHead[0] = valueTag;
    stream(fieldHead, 0, Varint.put(fieldHead, 1, vLen));
    stream(v, vOff, vLen);
  }

  /** Copies bytes into the block, flushing each block as it fills. */
  private void stream(byte[] src, int off, int len) {
    while (len > 0) {
      if (pos == blockBytes) {
        flushBlock();
      }
      int n = Math.min(len, blockBytes - pos);
      System.arraycopy(src, off, slot.raw, pos, n);
      pos += n;
      off += n;
      len -= n;
    }
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
      if (recordHeadBytes() + need > blockBytes) {
        // A value no block holds beside its key: a record of its own, over several blocks.
        appendRecord(key, 0, keyLength, TAG_VALUES, v, vOff, vLen);
        pairs++;
        return;
      }
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
    Bytes.copy(src, off, raw, pos, len);
    return pos + len;
  }

  /** Makes room for {@code bytes} (at most a block) more in the block: flushes it if full. */
  private void ensureRoom(int bytes) {
    if (pos + bytes > blockBytes) {
      flushBlock();
    }
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
