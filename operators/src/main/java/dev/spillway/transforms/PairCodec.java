package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.ValueCodec;
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
    for (int v = key.length(); ; v >>>= 7) {
      if ((v & ~0x7F) == 0) {
        out.write(v);
        break;
      }
      out.write((v & 0x7F) | 0x80);
    }
    out.write(key.array(), 0, key.length());
    values.encode(pair.getValue(), out);
  }

  @Override
  public KV<K, V> decode(byte[] bytes, int offset, int length) {
    int p = offset;
    int keyLength = 0;
    for (int shift = 0; ; shift += 7) {
      byte b = bytes[p++];
      keyLength |= (b & 0x7F) << shift;
      if (b >= 0) {
        break;
      }
    }
    int valueOffset = p + keyLength;
    return KV.of(keys.decode(bytes, p, keyLength),
        values.decode(bytes, valueOffset, offset + length - valueOffset));
  }
}
