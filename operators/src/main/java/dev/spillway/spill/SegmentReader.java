package dev.spillway.spill;

import static dev.spillway.spill.FrameFormat.FRAME_HEADER_BYTES;
import static dev.spillway.spill.FrameFormat.TAG_KEY;
import static dev.spillway.spill.FrameFormat.TAG_RECORD;
import static dev.spillway.spill.FrameFormat.TAG_VALUE;
import static dev.spillway.spill.FrameFormat.TAG_VALUES;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.SegmentHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Streams one segment back, block by block, as (key, value) pairs: a KEY_VALUES record yields one
 * pair per value, and {@link #sameKey()} tells that a pair continues the previous pair's record.
 *
 * <p>Every frame's CRC32C is checked before it is decompressed; a length that points past the
 * segment, a count that does not add up, a malformed record or an unknown version or codec fails
 * with a {@link CorruptSegmentException} naming the file and the block. Nothing is allocated from a
 * length that the CRC has not vouched for.
 */
final class SegmentReader implements RecordCursor {
  private static final int HEADER_PROBE = 64;

  private final Path file;
  private final FileChannel channel;
  private final IoBuffers buffers;
  private final long end;
  private final CRC32C crc = new CRC32C();
  private final CompressionCodec codec;

  /** Null unless the engine encrypts its spills. */
  private final FrameCipher cipher;

  private final Layout layout;
  private final long declaredPairs;
  private IoBuffers.Slot slot;

  private long filePos;

  /**
   * The bytes of the segment from {@code windowStart} on that {@code slot.stored} holds: the read
   * window of {@link #window}.
   */
  private long windowStart;

  private int windowLength;

  private long block = -1;
  private long pairs;

  /**
   * The current block: bytes [0, blockLength) of slot.raw, parsed up to blockPos; or, while a
   * record that spans blocks is read, that record gathered in an array of its own.
   */
  private byte[] raw;

  private int blockLength;
  private int blockPos;

  /**
   * Where the block that a spanning record ended in resumes (its length and the position after the
   * record), or -1 when no spanning record is being read.
   */
  private int resumeLength = -1;

  private int resumePos;

  /** The end of the current KEY_VALUES record in the block, or -1. */
  private int recordEnd = -1;

  private int keyOffset;
  private int keyLength;
  private int valueOffset;
  private int valueLength;
  private boolean sameKey;

  SegmentReader(SegmentLocation location, IoBuffers buffers, FrameCipher cipher) {
    this.file = location.file();
    this.cipher = cipher;
    this.buffers = buffers;
    this.end = location.offset() + location.length();
    this.filePos = location.offset();
    FileChannel ch = null;
    boolean ok = false;
    try {
      try {
        ch = FileChannel.open(file, StandardOpenOption.READ);
      } catch (IOException e) {
        // Not the segment's fault (too many open files, say): an I/O error, named as such.
        throw new UncheckedIOException("cannot open spill file " + file + ": " + e, e);
      }
      this.channel = ch;
      this.slot = buffers.acquire();
      this.raw = slot.raw;
      SegmentHeader header = readHeader();
      if (header.getFormatVersion() != FrameFormat.FORMAT_VERSION) {
        throw corrupt(
            -1,
            "format version "
                + header.getFormatVersion()
                + " is not supported (this reader knows "
                + FrameFormat.FORMAT_VERSION
                + ")");
      }
      try {
        this.codec = CompressionCodec.fromProto(header.getCodec());
      } catch (IOException e) {
        throw corrupt(-1, "unknown codec " + header.getCodecValue());
      }
      this.layout = header.getLayout();
      if (layout != Layout.LAYOUT_KEY_VALUE && layout != Layout.LAYOUT_KEY_VALUES) {
        throw corrupt(-1, "unknown layout " + header.getLayoutValue());
      }
      if (header.getEncrypted() != (cipher != null)) {
        throw corrupt(
            -1,
            header.getEncrypted()
                ? "the segment is encrypted, but this engine has no key for it"
                : "the segment is not encrypted, but this engine encrypts its spills");
      }
      if (!header.hasRecordCount()) {
        throw corrupt(-1, "the header has no record count");
      }
      this.declaredPairs = header.getRecordCount();
      ok = true;
    } catch (IOException e) {
      throw new CorruptSegmentException(file, -1, "cannot read: " + e, e);
    } finally {
      if (!ok) {
        closeQuietly(ch);
        if (slot != null) {
          buffers.release(slot); // a segment refused at its header keeps no buffer
        }
      }
    }
  }

  private SegmentHeader readHeader() throws IOException {
    int probe = (int) Math.min(HEADER_PROBE, end - filePos);
    int start = window(filePos, probe, -1);
    byte[] buf = slot.stored;
    int len = 0;
    int shift = 0;
    int p = start;
    while (true) {
      if (p >= start + probe || shift > 28) {
        throw corrupt(-1, "the header length is not a varint within the segment");
      }
      byte b = buf[p++];
      len |= (b & 0x7F) << shift;
      shift += 7;
      if (b >= 0) {
        break;
      }
    }
    if (len < 0 || p + len > start + probe) {
      throw corrupt(-1, "a header of " + len + " bytes does not fit the segment");
    }
    try {
      SegmentHeader header = SegmentHeader.parseFrom(ByteBuffer.wrap(buf, p, len));
      filePos += p - start + len;
      return header;
    } catch (InvalidProtocolBufferException e) {
      throw corrupt(-1, "the header does not parse: " + e.getMessage());
    }
  }

  @Override
  public boolean next() {
    if (recordEnd >= 0 && blockPos < recordEnd) {
      readValuesField();
      sameKey = true;
      return true;
    }
    sameKey = false;
    recordEnd = -1;
    if (resumeLength >= 0 && blockPos >= blockLength) {
      resumeBlock();
    }
    while (blockPos >= blockLength) {
      if (filePos >= end) {
        if (pairs != declaredPairs) {
          throw corrupt(
              block,
              "the segment ends after "
                  + pairs
                  + " of its "
                  + declaredPairs
                  + " records (truncated)");
        }
        return false;
      }
      loadBlock();
    }
    readRecord();
    return true;
  }

  /** True when the current pair is in the same record, so has the same key, as the previous. */
  boolean sameKey() {
    return sameKey;
  }

  private void readRecord() {
    if (raw[blockPos] != TAG_RECORD) {
      throw malformed("expected a record");
    }
    int recordStart = blockPos;
    blockPos++;
    int len = readVarint();
    if (len < 0) {
      throw malformed("a record of negative length");
    }
    if (len > blockLength - blockPos) {
      if (recordStart != 0) {
        throw malformed("a record of " + len + " bytes passes the block end");
      }
      gatherSpanning(len);
    }
    int recEnd = blockPos + len;
    keyOffset = blockPos;
    keyLength = 0;
    if (blockPos < recEnd && raw[blockPos] == TAG_KEY) {
      blockPos++;
      keyLength = readLength(recEnd);
      keyOffset = blockPos;
      blockPos += keyLength;
    }
    if (layout == Layout.LAYOUT_KEY_VALUE) {
      valueOffset = blockPos;
      valueLength = 0;
      if (blockPos < recEnd && raw[blockPos] == TAG_VALUE) {
        blockPos++;
        valueLength = readLength(recEnd);
        valueOffset = blockPos;
        blockPos += valueLength;
      }
      if (blockPos != recEnd) {
        throw malformed("unexpected fields in a key-value record");
      }
      countPair();
    } else {
      if (blockPos >= recEnd) {
        throw malformed("a key-values record without values");
      }
      recordEnd = recEnd;
      readValuesField();
    }
  }

  private void readValuesField() {
    if (raw[blockPos] != TAG_VALUES) {
      throw malformed("expected a value");
    }
    blockPos++;
    valueLength = readLength(recordEnd);
    valueOffset = blockPos;
    blockPos += valueLength;
    countPair();
  }

  private void countPair() {
    if (++pairs > declaredPairs) {
      throw corrupt(block, "more records than the " + declaredPairs + " the header declares");
    }
  }

  private int readLength(int limit) {
    int len = readVarint();
    if (len < 0 || blockPos + len > limit) {
      throw malformed("a field of " + len + " bytes passes its record");
    }
    return len;
  }

  private int readVarint() {
    int result = 0;
    for (int shift = 0; shift < 32; shift += 7) {
      if (blockPos >= blockLength) {
        throw malformed("a varint passes the block end");
      }
      byte b = raw[blockPos++];
      result |= (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw malformed("a varint longer than five bytes");
  }

  /**
   * Gathers a record of {@code len} bytes that starts this block and continues over the next ones
   * into an array of its own, which becomes the current block until the record is read; the length
   * was read from a frame whose CRC vouched for it. This array is the only memory a record larger
   * than a block takes here: the block buffers keep their size.
   */
  private void gatherSpanning(int len) {
    int have = blockLength - blockPos;
    // What the rest of the segment could hold at the most: each frame's raw length is bounded by
    // its stored length (checkFrame), so a corrupt length fails here rather than allocating.
    long most = have + (end - filePos) * (codec.maxExpansion() + 64 / FRAME_HEADER_BYTES + 1);
    if (len > most) {
      throw malformed(
          "a record of " + len + " bytes is longer than the rest of the segment could hold");
    }
    byte[] record = new byte[len];
    System.arraycopy(raw, blockPos, record, 0, have);
    while (have < len) {
      if (filePos >= end) {
        throw corrupt(
            block,
            "the segment ends inside a record of "
                + len
                + " bytes, after "
                + have
                + " of them (truncated)");
      }
      loadBlock();
      int n = Math.min(len - have, blockLength);
      System.arraycopy(raw, 0, record, have, n);
      have += n;
      blockPos = n;
    }
    resumeLength = blockLength;
    resumePos = blockPos;
    raw = record;
    blockPos = 0;
    blockLength = len;
  }

  /** Goes back to the block a spanning record ended in, after the record. */
  private void resumeBlock() {
    raw = slot.raw;
    blockLength = resumeLength;
    blockPos = resumePos;
    resumeLength = -1;
  }

  private void loadBlock() {
    block++;
    try {
      if (end - filePos < FRAME_HEADER_BYTES) {
        throw corrupt(block, "the frame header passes the segment end (truncated)");
      }
      int at = window(filePos, FRAME_HEADER_BYTES, block);
      byte[] stored = slot.stored;
      int storedLength = FrameFormat.getIntLE(stored, at);
      int rawLength = FrameFormat.getIntLE(stored, at + 4);
      int expectedCrc = FrameFormat.getIntLE(stored, at + 8);
      long left = end - filePos - FRAME_HEADER_BYTES;
      if (storedLength < 0 || storedLength > left) {
        throw corrupt(
            block,
            "a frame of "
                + storedLength
                + " bytes, but "
                + left
                + " bytes are left in the segment (truncated or corrupt length)");
      }
      at = window(filePos, FRAME_HEADER_BYTES + storedLength, block) + FRAME_HEADER_BYTES;
      stored = slot.stored;
      FrameFormat.checkFrame(codec, crc, stored, at, storedLength, rawLength, expectedCrc);
      if (slot.raw.length < rawLength) {
        slot.raw = new byte[rawLength];
      }
      raw = slot.raw;
      FrameFormat.unpackFrame(codec, cipher, stored, at, storedLength, raw, rawLength, block);
      filePos += FRAME_HEADER_BYTES + storedLength;
      blockLength = rawLength;
      blockPos = 0;
    } catch (IOException e) {
      throw corrupt(block, e.getMessage());
    }
  }

  /**
   * Makes the segment's bytes {@code [at, at + length)} readable in {@code slot.stored} and returns
   * where they start there; {@code length} must not pass the segment's end. A read fills the buffer
   * as far as the segment goes, so a frame's header and its stored bytes, and often the frames
   * after it, come in one system call: a budget of 1 MiB spills blocks of a few KiB, and reading
   * each header apart doubled the calls that took most of its merge.
   */
  private int window(long at, int length, long blockNumber) throws IOException {
    long windowEnd = windowStart + windowLength;
    if (at >= windowStart && at + length <= windowEnd) {
      return (int) (at - windowStart);
    }
    // What the window holds from `at` on moves to the front and is not read again.
    int kept = 0;
    if (at >= windowStart && at < windowEnd) {
      kept = (int) (windowEnd - at);
    }
    // A frame larger than a block gets a buffer of its own; its length is within the segment.
    byte[] into = slot.stored.length < length ? new byte[length] : slot.stored;
    if (kept > 0) {
      System.arraycopy(slot.stored, (int) (at - windowStart), into, 0, kept);
    }
    slot.stored = into;
    ByteBuffer bb = ByteBuffer.wrap(into, kept, (int) Math.min(into.length, end - at) - kept);
    long p = at + kept;
    while (bb.hasRemaining()) {
      int n = channel.read(bb, p);
      if (n < 0) {
        break;
      }
      p += n;
    }
    windowStart = at;
    windowLength = bb.position();
    if (windowLength < length) {
      throw corrupt(
          blockNumber,
          "the file ends at byte " + (at + windowLength) + " inside the segment (truncated)");
    }
    return 0;
  }

  private CorruptSegmentException malformed(String what) {
    return corrupt(block, what + " at byte " + blockPos + " of the block");
  }

  private CorruptSegmentException corrupt(long blockNumber, String problem) {
    return new CorruptSegmentException(file, blockNumber, problem);
  }

  @Override
  public byte[] keyArray() {
    return raw;
  }

  @Override
  public int keyOffset() {
    return keyOffset;
  }

  @Override
  public int keyLength() {
    return keyLength;
  }

  @Override
  public byte[] valueArray() {
    return raw;
  }

  @Override
  public int valueOffset() {
    return valueOffset;
  }

  @Override
  public int valueLength() {
    return valueLength;
  }

  @Override
  public void close() {
    if (slot != null) {
      buffers.release(slot);
      slot = null;
      closeQuietly(channel);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // Read-only: nothing is lost by a failed close.
      }
    }
  }
}
