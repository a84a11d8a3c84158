package dev.spillway.spill;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.Test;

/**
 * The index against a map: keys that share bytes, differ only in length (or in trailing zero
 * bytes), or collide on every hash bit each get an id of their own, through growing, widening after
 * a reset, and re-hashing under a new seed.
 */
public class KeyIndexTest {
  private static final int KEYS = 20_000;

  @Test
  public void everyHashCollides() {
    checkAgainstModel((key, offset, length, seed) -> 7, 3_000);
  }

  @Test
  public void twoHashBits() {
    checkAgainstModel(
        (key, offset, length, seed) -> KeyHasher.DEFAULT.hash(key, offset, length, seed) & 0x3,
        KEYS);
  }

  @Test
  public void fullHashes() {
    checkAgainstModel(KeyHasher.DEFAULT, KEYS);
  }

  /**
   * Keys of 0 to 12 bytes over a two-letter alphabet of 0 and 1, so that many are prefixes of one
   * another and equal once zero-padded to eight bytes ({1} and {1, 0}).
   */
  private static List<byte[]> keys(int count) {
    Random random = new Random(11);
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] key = new byte[random.nextInt(13)];
      for (int j = 0; j < key.length; j++) {
        key[j] = (byte) random.nextInt(2);
      }
      keys.add(key);
    }
    return keys;
  }

  private static void checkAgainstModel(KeyHasher hasher, int count) {
    MemoryPool pool = MemoryPool.ofBytes(256 << 20);
    try (MemoryReservation reservation = new MemoryReservation(pool, 1 << 16)) {
      ByteArena arena = new ByteArena(reservation, 1 << 16);
      KeyIndex index = new KeyIndex(arena, reservation, hasher, noColumns());
      List<byte[]> keys = keys(count);
      for (long seed : new long[] {1, 2}) {
        index.reset(seed);
        arena.reset();
        Map<ByteBuffer, Integer> model = new HashMap<>();
        byte[] shifted = new byte[32];
        for (byte[] key : keys) {
          // The key at an offset inside a larger array, as the engines hand keys in.
          System.arraycopy(key, 0, shifted, 5, key.length);
          int id = index.findOrInsert(shifted, 5, key.length, index.hash(key, 0, key.length));
          Integer known = model.get(ByteBuffer.wrap(key));
          if (known == null) {
            assertTrue("a new key gets a new id", id < 0);
            assertEquals(model.size(), -id - 1);
            model.put(ByteBuffer.wrap(key), -id - 1);
          } else {
            assertEquals("the id of " + Arrays.toString(key), (int) known, id);
          }
        }
        assertEquals(model.size(), index.size());
        index.rehash(seed + 100);
        for (Map.Entry<ByteBuffer, Integer> e : model.entrySet()) {
          byte[] key = e.getKey().array();
          int id = e.getValue();
          assertEquals(id, index.findOrInsert(key, 0, key.length, index.hash(key, 0, key.length)));
          assertArrayEquals(
              key,
              Arrays.copyOfRange(
                  index.keyArray(id),
                  index.keyOffset(id),
                  index.keyOffset(id) + index.keyLength(id)));
        }
      }
      index.shrink();
      arena.reset();
    }
  }

  private static KeyIndex.Columns noColumns() {
    return new KeyIndex.Columns() {
      @Override
      public long bytesPerEntry() {
        return 0;
      }

      @Override
      public void resize(int capacity) {}
    };
  }
}
