package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.RecordSink;
import dev.spillway.spill.Varint;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * Packs (key, value) records into blocks, one stream of blocks per shuffle window and hash shard,
 * so that the runner's shuffle moves one element per block instead of one per record (the
 * DirectRunner's shuffle costs microseconds per element). A block is {@code ([key length:
 * varint][key][value length: varint][value])*}, and is stamped with the earliest output time of its
 * records, so that the shuffle holds the watermark no later than any output it carries.
 *
 * <p>Buffers up to {@link #BLOCK_BYTES} per (window, shard) on the heap, outside the engine's
 * budget, and {@link #MAX_BUFFERED_BYTES} in all: past that every partly filled block is emitted,
 * so that a bundle spanning many windows does not hold a block for each.
 */
final class ShardPacker {
  static final int BLOCK_BYTES = 256 << 10;
  static final int MAX_BUFFERED_BYTES = 8 << 20;

  /** Receives each block with its shard, window and timestamp (epoch milliseconds). */
  @FunctionalInterface
  interface BlockSink {
    void emit(int shard, byte[] block, BoundedWindow window, long timestampMillis);
  }

  private final int shards;
  private final BlockSink sink;
  private final Map<BoundedWindow, Block[]> blocks = new HashMap<>();
  private long buffered;

  ShardPacker(int shards, BlockSink sink) {
    this.shards = shards;
    this.sink = sink;
  }

  /**
   * Adds a record to shard {@code shard} of {@code window}; {@code outputTime} is the earliest time
   * any output made from it may take.
   */
  void add(
      BoundedWindow window,
      int shard,
      long outputTime,
      byte[] key,
      int kOff,
      int kLen,
      byte[] value,
      int vOff,
      int vLen) {
    Block[] ofWindow = blocks.computeIfAbsent(window, w -> new Block[shards]);
    Block b = ofWindow[shard];
    if (b == null) {
      b = new Block();
      ofWindow[shard] = b;
    }
    long recordBytes = Varint.size(kLen) + (long) kLen + Varint.size(vLen) + vLen;
    if (recordBytes >= BLOCK_BYTES) {
      // A block of its own, made once at its size, after the shard's partly filled block (so a
      // key's records keep their order): through the shard's buffer it would leave the buffer
      // that large.
      if (b.bytes.length() > 0) {
        emit(window, shard, b);
      }
      sink.emit(
          shard,
          blockOf(Math.toIntExact(recordBytes), key, kOff, kLen, value, vOff, vLen),
          window,
          outputTime);
      return;
    }
    int before = b.bytes.length();
    b.bytes.writeVarint(kLen);
    b.bytes.write(key, kOff, kLen);
    b.bytes.writeVarint(vLen);
    b.bytes.write(value, vOff, vLen);
    b.earliest = Math.min(b.earliest, outputTime);
    buffered += b.bytes.length() - before;
    if (b.bytes.length() >= BLOCK_BYTES) {
      emit(window, shard, b);
    }
    if (buffered > MAX_BUFFERED_BYTES) {
      flush();
    }
  }

  /** Emits every partly filled block. */
  void flush() {
    for (Map.Entry<BoundedWindow, Block[]> e : blocks.entrySet()) {
      Block[] ofWindow = e.getValue();
      for (int shard = 0; shard < ofWindow.length; shard++) {
        if (ofWindow[shard] != null && ofWindow[shard].bytes.length() > 0) {
          emit(e.getKey(), shard, ofWindow[shard]);
        }
      }
    }
    blocks.clear();
  }

  /** A block of one record, of {@code size} bytes. */
  private static byte[] blockOf(
      int size, byte[] key, int kOff, int kLen, byte[] value, int vOff, int vLen) {
    byte[] block = new byte[size];
    int p = Varint.put(block, 0, kLen);
    System.arraycopy(key, kOff, block, p, kLen);
    p = Varint.put(block, p + kLen, vLen);
    System.arraycopy(value, vOff, block, p, vLen);
    return block;
  }

  private void emit(BoundedWindow window, int shard, Block b) {
    sink.emit(shard, b.bytes.toByteArray(), window, b.earliest);
    buffered -= b.bytes.length();
    b.bytes.clear();
    b.earliest = Long.MAX_VALUE;
  }

  private static final class Block {
    final ByteSink bytes = new ByteSink(4096);
    long earliest = Long.MAX_VALUE;
  }

  /** Hands every record of {@code block} to {@code sink}, as ranges of the block. */
  static void forEachRecord(byte[] block, RecordSink sink) {
    int p = 0;
    while (p < block.length) {
      int kLen = Varint.get(block, p);
      int kOff = p + Varint.size(kLen);
      int vLen = Varint.get(block, kOff + kLen);
      int vOff = kOff + kLen + Varint.size(vLen);
      sink.accept(block, kOff, kLen, block, vOff, vLen);
      p = vOff + vLen;
    }
  }
}
