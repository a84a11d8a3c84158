package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.OrderedBytes;
import dev.spillway.spill.Varint;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.joda.time.Instant;

/**
 * The engine key in session windows: {@code [key length: varint][key][window start][window end]},
 * the bounds in {@link OrderedBytes}' order-preserving form. Ordered by these bytes, a key's
 * records are adjacent and in the order of their windows' starts, the order in which {@code
 * Sessions} merges them. Partial results travel through the shuffle in the global window, sharded
 * by the key alone, so that all the windows of a key meet in one merge step.
 */
final class SessionKey<K> extends EngineKey<K> {
  /** The two window bounds after the key. */
  static final int BOUNDS_BYTES = 16;

  private final ByteSink keyBytes = new ByteSink();

  SessionKey(Coder<K> keyCoder) {
    super(keyCoder);
  }

  @Override
  ByteSink encode(BoundedWindow window, K key) {
    IntervalWindow w = (IntervalWindow) window;
    keyBytes.clear();
    writeKey(key, keyBytes);
    out.clear();
    out.writeVarint(keyBytes.length());
    out.write(keyBytes.array(), 0, keyBytes.length());
    out.writeLong(w.start().getMillis() ^ Long.MIN_VALUE);
    out.writeLong(w.end().getMillis() ^ Long.MIN_VALUE);
    return out;
  }

  @Override
  Decoded<K> decode(byte[] bytes, int offset, int length) {
    K key = decodeKeyPart(bytes, offset, length - BOUNDS_BYTES);
    return new Decoded<>(
        new IntervalWindow(
            new Instant(start(bytes, offset, length)), new Instant(end(bytes, offset, length))),
        key);
  }

  @Override
  K decodeKeyPart(byte[] bytes, int offset, int length) {
    int keyLength = Varint.get(bytes, offset);
    return readKey(bytes, offset + Varint.size(keyLength), keyLength);
  }

  @Override
  BoundedWindow shuffleWindow(byte[] bytes, int offset, int length) {
    return GlobalWindow.INSTANCE;
  }

  @Override
  long maxTimestampMillis(byte[] bytes, int offset, int length) {
    return end(bytes, offset, length) - 1;
  }

  @Override
  int shardedLength(byte[] bytes, int offset, int length) {
    return length - BOUNDS_BYTES;
  }

  /** The start of the record's window, in epoch milliseconds. */
  private static long start(byte[] bytes, int offset, int length) {
    return OrderedBytes.decodeLong(bytes, offset + length - BOUNDS_BYTES);
  }

  /** The end (exclusive) of the record's window, in epoch milliseconds. */
  private static long end(byte[] bytes, int offset, int length) {
    return OrderedBytes.decodeLong(bytes, offset + length - 8);
  }
}
