package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.KeyHasher;
import dev.spillway.spill.Varint;
import java.util.function.BiConsumer;

/**
 * Packs (key, value) records into blocks, one stream of blocks per hash shard, so that the runner's
 * shuffle moves one element per block instead of one per record (the DirectRunner's shuffle costs
 * microseconds per element). A block is {@code ([key length: varint][key][value length:
 * varint][value])*}. Buffers up to {@link #BLOCK_BYTES} per shard on the heap, outside the engine's
 * budget.
 */
final class ShardPacker {
  static final int BLOCK_BYTES = 256 << 10;
  private static final long SHARD_SEED = 0x5A4D_0001L;

  private final ByteSink[] buffers;
  private final BiConsumer<Integer, byte[]> emit;

  ShardPacker(int shards, BiConsumer<Integer, byte[]> emit) {
    this.buffers = new ByteSink[shards];
    this.emit = emit;
  }

  void add(byte[] key, int kOff, int kLen, byte[] value, int vOff, int vLen) {
    int shard = Math.floorMod(KeyHasher.DEFAULT.hash(key, kOff, kLen, SHARD_SEED), buffers.length);
    ByteSink b = buffers[shard];
    if (b == null) {
      b = new ByteSink(Math.min(BLOCK_BYTES, 4096));
      buffers[shard] = b;
    }
    b.writeVarint(kLen);
    b.write(key, kOff, kLen);
    b.writeVarint(vLen);
    b.write(value, vOff, vLen);
    if (b.length() >= BLOCK_BYTES) {
      emit.accept(shard, b.toByteArray());
      b.clear();
    }
  }

  /** Emits every partly filled block. */
  void flush() {
    for (int shard = 0; shard < buffers.length; shard++) {
      ByteSink b = buffers[shard];
      if (b != null && b.length() > 0) {
        emit.accept(shard, b.toByteArray());
        b.clear();
      }
    }
  }

  /** Receives the records of a block as ranges of it. */
  @FunctionalInterface
  interface RecordConsumer {
    void accept(byte[] block, int kOff, int kLen, int vOff, int vLen);
  }

  /** Calls {@code consumer} for every record of {@code block}. */
  static void forEachRecord(byte[] block, RecordConsumer consumer) {
    int p = 0;
    while (p < block.length) {
      int kLen = Varint.get(block, p);
      int kOff = p + Varint.size(kLen);
      int vLen = Varint.get(block, kOff + kLen);
      int vOff = kOff + kLen + Varint.size(vLen);
      consumer.accept(block, kOff, kLen, vOff, vLen);
      p = vOff + vLen;
    }
  }
}
