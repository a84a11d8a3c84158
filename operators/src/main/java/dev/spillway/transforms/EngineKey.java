package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.KeyHasher;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * How a transform's engines key a Beam element: its key and its window, as bytes. The key coder is
 * deterministic (checked at {@code expand()}), so equal keys have equal bytes; what else the bytes
 * hold, and in which order, depends on the windowing ({@link WindowedKey} for non-merging windows,
 * {@link SessionKey} for sessions).
 */
abstract class EngineKey<K> {
  private static final long SHARD_SEED = 0x5A4D_0001L;

  private final CoderCodec<K> keys;
  final ByteSink out = new ByteSink();

  EngineKey(Coder<K> keyCoder) {
    this.keys = new CoderCodec<>(keyCoder);
  }

  /** Encodes (window, key); the result is valid until the next call. */
  abstract ByteSink encode(BoundedWindow window, K key);

  /** The window and key of an encoded engine key. */
  abstract Decoded<K> decode(byte[] bytes, int offset, int length);

  /** The window that a record's partial result travels through the shuffle in. */
  abstract BoundedWindow shuffleWindow(byte[] bytes, int offset, int length);

  /** The end of the record's own window: its output time under {@code END_OF_WINDOW}. */
  abstract long maxTimestampMillis(byte[] bytes, int offset, int length);

  /**
   * The leading bytes that pick a record's shard: all that must meet in one merge step. Sessions
   * hash the key alone, so that every window of a key meets its neighbours.
   */
  abstract int shardedLength(byte[] bytes, int offset, int length);

  /** The key of the leading bytes that pick the shard ({@link #shardedLength}). */
  abstract K decodeKeyPart(byte[] bytes, int offset, int length);

  /** The shard, of {@code shards}, that the record goes to. */
  final int shardOf(byte[] bytes, int offset, int length, int shards) {
    int hash =
        KeyHasher.DEFAULT.hash(bytes, offset, shardedLength(bytes, offset, length), SHARD_SEED);
    return Math.floorMod(hash, shards);
  }

  /** Appends the encoded key to {@code sink}. */
  final void writeKey(K key, ByteSink sink) {
    keys.encode(key, sink);
  }

  final K readKey(byte[] bytes, int offset, int length) {
    return keys.decode(bytes, offset, length);
  }

  record Decoded<K>(BoundedWindow window, K key) {}
}
