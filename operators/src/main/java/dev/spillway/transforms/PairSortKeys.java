package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.values.KV;

/**
 * The sort key of a pair held in an engine: the pair's key encoded alone, as Beam's sorter
 * extension orders a group's pairs. For the sorted forms of {@link ProcessGroups}.
 */
final class PairSortKeys<V> {
  private final CoderCodec<Object> keys;
  private final CoderCodec<V> values;
  private final int prefix;
  private final ByteSink sortKey = new ByteSink();

  /**
   * For values, pairs, decoded by {@code values} after {@code prefix} bytes (their timestamp when
   * outputs take it), whose keys {@code keyCoder} encodes.
   */
  @SuppressWarnings("unchecked")
  PairSortKeys(Coder<?> keyCoder, CoderCodec<V> values, int prefix) {
    this.keys = new CoderCodec<>((Coder<Object>) keyCoder);
    this.values = values;
    this.prefix = prefix;
  }

  /** The sort key of the value {@code v[offset, offset + length)}, valid until the next call. */
  ByteSink of(byte[] v, int offset, int length) {
    KV<?, ?> pair = (KV<?, ?>) values.decode(v, offset + prefix, length - prefix);
    sortKey.clear();
    keys.encode(pair.getKey(), sortKey);
    return sortKey;
  }
}
