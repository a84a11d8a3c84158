package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.junit.Test;

/**
 * The packer's blocks hold every record once, each shard's in the order added, records of a block
 * or more each in a block of their own, and no block larger than a block unless it holds one
 * record.
 */
public class ShardPackerTest {
  @Test
  public void largeRecordsGoAloneAndEveryShardKeepsItsOrder() {
    Random random = new Random(4);
    int shards = 3;
    List<List<String>> added = new ArrayList<>();
    List<List<String>> unpacked = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      added.add(new ArrayList<>());
      unpacked.add(new ArrayList<>());
    }
    ShardPacker packer =
        new ShardPacker(
            shards,
            (shard, block, window, time) -> {
              int[] n = {0};
              ShardPacker.forEachRecord(
                  block,
                  (k, kOff, kLen, v, vOff, vLen) -> {
                    unpacked.get(shard).add(describe(k, kOff, kLen, v, vOff, vLen));
                    n[0]++;
                  });
              if (block.length > ShardPacker.BLOCK_BYTES + 100) {
                assertEquals("records in a block past the block size", 1, n[0]);
              }
            });
    for (int i = 0; i < 5_000; i++) {
      int shard = random.nextInt(shards);
      byte[] key = {(byte) random.nextInt(50)};
      int size = i % 400 == 7 ? ShardPacker.BLOCK_BYTES + random.nextInt(3) - 1 : 40;
      if (i % 1_000 == 500) {
        size = 3 * ShardPacker.BLOCK_BYTES;
      }
      byte[] value = new byte[size];
      random.nextBytes(value);
      packer.add(GlobalWindow.INSTANCE, shard, i, key, 0, 1, value, 0, value.length);
      added.get(shard).add(describe(key, 0, 1, value, 0, value.length));
    }
    packer.flush();
    assertEquals(added, unpacked);
  }

  private static String describe(byte[] k, int kOff, int kLen, byte[] v, int vOff, int vLen) {
    return Arrays.toString(Arrays.copyOfRange(k, kOff, kOff + kLen))
        + "="
        + vLen
        + ":"
        + Arrays.hashCode(Arrays.copyOfRange(v, vOff, vOff + vLen));
  }
}
