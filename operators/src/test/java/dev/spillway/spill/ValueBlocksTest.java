package dev.spillway.spill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;

/** ValueBlocks against lists of byte arrays: interleaved keys, every value size, a refused page. */
public class ValueBlocksTest {
  @Rule public final SpillDirRule spill = new SpillDirRule();

  @Test
  public void interleavedListsOfEveryValueSizeReadBackInOrderAndTwice() {
    try (EngineResources resources = new EngineResources(spill.config(64 << 20))) {
      ByteArena arena = new ByteArena(resources.reservation, 64 << 10);
      Random random = new Random(3);
      int lists = 50;
      long[] heads = new long[lists];
      long[] tails = new long[lists];
      Arrays.fill(heads, ValueBlocks.END);
      Arrays.fill(tails, ValueBlocks.END);
      List<List<byte[]>> model = new ArrayList<>();
      for (int i = 0; i < lists; i++) {
        model.add(new ArrayList<>());
      }
      for (int n = 0; n < 40_000; n++) {
        // Mostly one list, as a hot key; sizes from empty past a block's and a page's size.
        int list = random.nextInt(3) == 0 ? 0 : random.nextInt(lists);
        int size =
            random.nextInt(100) == 0 ? 70_000 : random.nextInt(random.nextBoolean() ? 8 : 300);
        byte[] value = new byte[size];
        random.nextBytes(value);
        long tail = ValueBlocks.append(arena, tails[list], value, 0, size);
        assertTrue(tail != ByteArena.NO_MEMORY);
        if (heads[list] == ValueBlocks.END) {
          heads[list] = tail;
        }
        tails[list] = tail;
        model.get(list).add(value);
      }
      for (int list = 0; list < lists; list++) {
        for (int pass = 0; pass < 2; pass++) {
          assertEquals("list " + list, wrap(model.get(list)), read(arena, heads[list]));
        }
      }
      arena.reset();
    }
  }

  @Test
  public void aRefusedBlockAddsNothing() {
    try (EngineResources resources = new EngineResources(spill.config(1 << 20))) {
      ByteArena arena = new ByteArena(resources.reservation, 4 << 10);
      List<byte[]> model = new ArrayList<>();
      long head = ValueBlocks.END;
      long tail = ValueBlocks.END;
      byte[] value = new byte[100];
      for (int n = 0; ; n++) {
        value[0] = (byte) n;
        long next = ValueBlocks.append(arena, tail, value, 0, value.length);
        if (next == ByteArena.NO_MEMORY) {
          break;
        }
        head = head == ValueBlocks.END ? next : head;
        tail = next;
        model.add(value.clone());
      }
      assertTrue(model.size() > 100);
      assertEquals(wrap(model), read(arena, head));
      arena.reset();
    }
  }

  private static List<ByteBuffer> wrap(List<byte[]> values) {
    List<ByteBuffer> out = new ArrayList<>();
    values.forEach(v -> out.add(ByteBuffer.wrap(v)));
    return out;
  }

  private static List<ByteBuffer> read(ByteArena arena, long head) {
    List<ByteBuffer> out = new ArrayList<>();
    ValueCursor c = new ValueBlocks.Cursor(arena, head);
    while (c.next()) {
      out.add(ByteBuffer.wrap(Arrays.copyOfRange(c.array(), c.offset(), c.offset() + c.length())));
    }
    return out;
  }
}
