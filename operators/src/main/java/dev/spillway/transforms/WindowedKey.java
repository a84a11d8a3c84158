package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.Varint;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * The engine key of a Beam element: its window and its key, encoded as {@code [window length:
 * varint][window][key]}, so that non-merging windows are part of the grouping key and both come
 * back out. The key coder is deterministic (checked at {@code expand()}), so equal keys have equal
 * bytes.
 */
final class WindowedKey<K, W extends BoundedWindow> {
  private final Coder<K> keyCoder;
  private final Coder<W> windowCoder;
  private final CoderCodec<W> windows;
  private final ByteSink windowBytes = new ByteSink();
  /** The window last encoded: a bundle's elements mostly share one, so it is encoded once. */
  private W lastWindow;
  private final ByteSink out = new ByteSink();
  private final CoderCodec.SinkStream outStream = new CoderCodec.SinkStream(out);

  WindowedKey(Coder<K> keyCoder, Coder<W> windowCoder) {
    this.keyCoder = keyCoder;
    this.windowCoder = windowCoder;
    this.windows = new CoderCodec<>(windowCoder);
  }

  /** Encodes (window, key); the result is valid until the next call. */
  ByteSink encode(W window, K key) {
    if (!window.equals(lastWindow)) {
      windowBytes.clear();
      windows.encode(window, windowBytes);
      lastWindow = window;
    }
    out.clear();
    out.writeVarint(windowBytes.length());
    out.write(windowBytes.array(), 0, windowBytes.length());
    try {
      keyCoder.encode(key, outStream, Coder.Context.OUTER);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode key with " + keyCoder, e);
    }
    return out;
  }

  /** The window and key of an encoded engine key. */
  Decoded<K, W> decode(byte[] bytes, int offset, int length) {
    int n = Varint.get(bytes, offset);
    int p = offset + Varint.size(n);
    try {
      W window = windowCoder.decode(new SliceInputStream(bytes, p, n), Coder.Context.OUTER);
      K key = keyCoder.decode(new SliceInputStream(bytes, p + n, offset + length - p - n),
          Coder.Context.OUTER);
      return new Decoded<>(window, key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode a key or window", e);
    }
  }

  record Decoded<K, W>(W window, K key) {}
}
