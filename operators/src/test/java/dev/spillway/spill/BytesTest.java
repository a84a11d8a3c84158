package dev.spillway.spill;

import static org.junit.Assert.assertArrayEquals;

import java.util.Random;
import org.junit.Test;

public class BytesTest {
  /**
   * Every length the word-by-word paths take (0 to 16) and some beyond, at every alignment: the
   * bytes copied, and none either side, are what {@link System#arraycopy} gives.
   */
  @Test
  public void copyGivesWhatArraycopyGivesAtEveryLengthAndAlignment() {
    Random random = new Random(7);
    byte[] src = new byte[64];
    random.nextBytes(src);
    for (int length = 0; length <= 40; length++) {
      for (int srcOffset = 0; srcOffset < 8; srcOffset++) {
        for (int dstOffset = 0; dstOffset < 8; dstOffset++) {
          byte[] expected = new byte[64];
          byte[] actual = new byte[64];
          random.nextBytes(expected);
          System.arraycopy(expected, 0, actual, 0, expected.length);
          System.arraycopy(src, srcOffset, expected, dstOffset, length);
          Bytes.copy(src, srcOffset, actual, dstOffset, length);
          assertArrayEquals(
              "length " + length + " from " + srcOffset + " to " + dstOffset, expected, actual);
        }
      }
    }
  }
}
