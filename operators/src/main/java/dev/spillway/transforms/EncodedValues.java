package dev.spillway.transforms;

import dev.spillway.spill.ByteSink;
import dev.spillway.spill.ValueCodec;
import dev.spillway.spill.Varint;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Values as SpillingGroupByKey and SortValues hand them downstream: kept encoded, in chunks of at
 * most {@value #CHUNK_BYTES} bytes ({@code [varint length][value]} each), and decoded afresh on
 * every iteration. A value encoded in a few bytes would take several times that as a Java object; a
 * group of millions of small values stays a few bytes a value until it is read. Re-iterable; each
 * iteration decodes new objects.
 */
final class EncodedValues<V> extends AbstractCollection<V> {
  static final int CHUNK_BYTES = 64 << 10;

  private final ValueCodec<V> codec;
  private final List<byte[]> chunks;
  private final int size;

  private EncodedValues(ValueCodec<V> codec, List<byte[]> chunks, int size) {
    this.codec = codec;
    this.chunks = chunks;
    this.size = size;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Iterator<V> iterator() {
    return new Iterator<V>() {
      private int chunk;
      private int pos;
      private int left = size;

      @Override
      public boolean hasNext() {
        return left > 0;
      }

      @Override
      public V next() {
        if (left == 0) {
          throw new NoSuchElementException();
        }
        byte[] c = chunks.get(chunk);
        if (pos == c.length) {
          c = chunks.get(++chunk);
          pos = 0;
        }
        int length = Varint.get(c, pos);
        pos += Varint.size(length);
        V value = codec.decode(c, pos, length);
        pos += length;
        left--;
        return value;
      }
    };
  }

  /** Collects encoded values, chunk by chunk. */
  static final class Builder {
    private List<byte[]> chunks = new ArrayList<>();

    /** The chunk being filled; kept from one build to the next, as most keys need one small one. */
    private final ByteSink current = new ByteSink(1024);

    private long size;

    void add(byte[] array, int offset, int length) {
      startEntry(length);
      current.write(array, offset, length);
      size++;
    }

    /** One entry of a key and a value: {@code [varint key length][key][value]}. */
    void addPair(byte[] k, int kOff, int kLen, byte[] v, int vOff, int vLen) {
      startEntry(Varint.size(kLen) + kLen + vLen);
      current.writeVarint(kLen);
      current.write(k, kOff, kLen);
      current.write(v, vOff, vLen);
      size++;
    }

    private void startEntry(int length) {
      if (current.length() > 0 && current.length() + 5 + length > CHUNK_BYTES) {
        chunks.add(current.toByteArray());
        current.clear();
      }
      current.writeVarint(length);
    }

    /** The values added since the last build, after which the builder starts empty. */
    <V> EncodedValues<V> build(ValueCodec<V> codec) {
      if (size > Integer.MAX_VALUE) {
        throw new IllegalStateException(
            "a key with " + size + " values: more than a Java" + " collection can count");
      }
      if (current.length() > 0) {
        chunks.add(current.toByteArray());
        current.clear();
      }
      EncodedValues<V> built = new EncodedValues<>(codec, chunks, (int) size);
      chunks = new ArrayList<>();
      size = 0;
      return built;
    }
  }
}
