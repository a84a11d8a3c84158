package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.Varint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * The engine key in non-merging windows: {@code [window length: varint][window][key]}, so that the
 * window is part of the grouping key and both come back out. Partial results travel through the
 * shuffle in their own window.
 */
final class WindowedKey<K> extends EngineKey<K> {
  private final Coder<BoundedWindow> windowCoder;
  private final CoderCodec<BoundedWindow> windows;
  private final ByteSink windowBytes = new ByteSink();

  /** The window last encoded: a bundle's elements mostly share one, so it is encoded once. */
  private BoundedWindow lastEncoded;

  /** The window last decoded, and its bytes: records come out in runs of one window. */
  private BoundedWindow lastDecoded;

  private byte[] lastDecodedBytes = new byte[0];

  WindowedKey(Coder<K> keyCoder, Coder<BoundedWindow> windowCoder) {
    super(keyCoder);
    this.windowCoder = windowCoder;
    this.windows = new CoderCodec<>(windowCoder);
  }

  @Override
  ByteSink encode(BoundedWindow window, K key) {
    if (!window.equals(lastEncoded)) {
      windowBytes.clear();
      windows.encode(window, windowBytes);
      lastEncoded = window;
    }
    out.clear();
    out.writeVarint(windowBytes.length());
    out.write(windowBytes.array(), 0, windowBytes.length());
    writeKey(key, out);
    return out;
  }

  @Override
  Decoded<K> decode(byte[] bytes, int offset, int length) {
    int n = Varint.get(bytes, offset);
    int p = offset + Varint.size(n);
    return new Decoded<>(window(bytes, p, n), readKey(bytes, p + n, offset + length - p - n));
  }

  @Override
  BoundedWindow shuffleWindow(byte[] bytes, int offset, int length) {
    int n = Varint.get(bytes, offset);
    return window(bytes, offset + Varint.size(n), n);
  }

  @Override
  long maxTimestampMillis(byte[] bytes, int offset, int length) {
    return shuffleWindow(bytes, offset, length).maxTimestamp().getMillis();
  }

  @Override
  int shardedLength(byte[] bytes, int offset, int length) {
    return length;
  }

  @Override
  K decodeKeyPart(byte[] bytes, int offset, int length) {
    return decode(bytes, offset, length).key();
  }

  private BoundedWindow window(byte[] bytes, int offset, int length) {
    if (lastDecoded == null
        || !Arrays.equals(
            bytes, offset, offset + length, lastDecodedBytes, 0, lastDecodedBytes.length)) {
      try {
        lastDecoded =
            windowCoder.decode(new SliceInputStream(bytes, offset, length), Coder.Context.OUTER);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot decode a window with " + windowCoder, e);
      }
      lastDecodedBytes = Arrays.copyOfRange(bytes, offset, offset + length);
    }
    return lastDecoded;
  }
}
