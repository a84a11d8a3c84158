package dev.spillway.spill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/**
 * The k-way merge against a model: every fan-in from 0 to 70 (powers of two and not), empty and
 * exhausted sources, many equal keys and keys sharing their 8-byte prefix; equal keys come in
 * source order.
 */
public class MergingCursorTest {
  /** A sorted source held in lists: key bytes, and as value its source and position. */
  private static final class ListCursor implements RecordCursor {
    private final List<byte[]> keys;
    private final List<byte[]> values;
    private int at = -1;

    ListCursor(List<byte[]> keys, List<byte[]> values) {
      this.keys = keys;
      this.values = values;
    }

    @Override
    public boolean next() {
      return ++at < keys.size();
    }

    @Override
    public byte[] keyArray() {
      return keys.get(at);
    }

    @Override
    public int keyOffset() {
      return 0;
    }

    @Override
    public int keyLength() {
      return keys.get(at).length;
    }

    @Override
    public byte[] valueArray() {
      return values.get(at);
    }

    @Override
    public int valueOffset() {
      return 0;
    }

    @Override
    public int valueLength() {
      return values.get(at).length;
    }

    @Override
    public void close() {}
  }

  private static byte[] key(Random random) {
    // Keys longer than the 8-byte prefix, alike in it, differing after it or in length.
    byte[] k = new byte[8 + random.nextInt(3)];
    k[7] = (byte) random.nextInt(3);
    for (int i = 8; i < k.length; i++) {
      k[i] = (byte) random.nextInt(2);
    }
    return k;
  }

  @Test
  public void everyFanInMergesInKeyThenSourceOrder() {
    Random random = new Random(11);
    for (int k = 0; k <= 70; k++) {
      List<RecordCursor> sources = new ArrayList<>();
      List<String> model = new ArrayList<>();
      List<byte[]> modelKeys = new ArrayList<>();
      for (int s = 0; s < k; s++) {
        int n = random.nextInt(4) == 0 ? 0 : random.nextInt(40);
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          keys.add(key(random));
        }
        keys.sort((a, b) -> Bytes.compare(a, 0, a.length, b, 0, b.length));
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          values.add(new byte[] {(byte) s, (byte) i});
          modelKeys.add(keys.get(i));
          model.add(s + ":" + i);
        }
        sources.add(new ListCursor(keys, values));
      }
      // The model: all records by key, ties by source, then by position (a stable sort).
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < model.size(); i++) {
        order.add(i);
      }
      order.sort(
          Comparator.<Integer, byte[]>comparing(
              modelKeys::get, (a, b) -> Bytes.compare(a, 0, a.length, b, 0, b.length)));
      List<String> expected = new ArrayList<>();
      order.forEach(i -> expected.add(model.get(i)));

      List<String> got = new ArrayList<>();
      try (MergingCursor merge = new MergingCursor(sources)) {
        while (merge.next()) {
          got.add(merge.valueArray()[0] + ":" + merge.valueArray()[1]);
        }
        assertFalse("stays exhausted", merge.next());
      }
      assertEquals("fan-in " + k, expected, got);
    }
  }
}
