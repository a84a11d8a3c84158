package dev.spillway.templates.aggregate;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Eight bytes, most significant first: how the aggregate coders write doubles. */
final class Fixed64 {
  private Fixed64() {}

  static void write(long bits, OutputStream out) throws IOException {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (bits >>> shift));
    }
  }

  static long read(InputStream in) throws IOException {
    long bits = 0;
    for (int b = 0; b < 8; b++) {
      int x = in.read();
      if (x < 0) {
        throw new EOFException("8 bytes expected, the input ended after " + b);
      }
      bits = (bits << 8) | x;
    }
    return bits;
  }
}
