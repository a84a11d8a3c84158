package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.ValueCodec;
import dev.spillway.spill.Varint;
import org.apache.beam.sdk.values.KV;

/**
 * A key and a value as {@code [varint key length][key][value]}, each part in its coder's outer
 * encoding: the frame {@link EncodedValues.Builder#addPair} writes, so SortValues can hand its
 * sorted pairs on without decoding them.
 */
final class PairCodec<K, V> implements ValueCodec<KV<K, V>> {
  private final CoderCodec<K> keys;
  private final CoderCodec<V> values;

  PairCodec(CoderCodec<K> keys, CoderCodec<V> values) {
    this.keys = keys;
    this.values = values;
  }

  @Override
  public void encode(KV<K, V> pair, ByteSink out) {
    ByteSink key = new ByteSink();
    keys.encode(pair.getKey(), key);
    out.writeVarint(key.length());
    out.write(key.array(), 0, key.length());
    values.encode(pair.getValue(), out);
  }

  @Override
  public KV<K, V> decode(byte[] bytes, int offset, int length) {
    int keyLength = Varint.get(bytes, offset);
    int p = offset + Varint.size(keyLength);
    int valueOffset = p + keyLength;
    return KV.of(
        keys.decode(bytes, p, keyLength),
        values.decode(bytes, valueOffset, offset + length - valueOffset));
  }
}
