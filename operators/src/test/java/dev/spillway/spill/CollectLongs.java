package dev.spillway.spill;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every value of a key in a list of boxed longs: an accumulator that grows, about 20 heap
 * bytes a value. Two encodings: eight bytes a value, or a varint (one or two bytes for the small
 * values some tests use, so that an encoding-weighed table would hold ten times its budget).
 */
final class CollectLongs implements Aggregator<Long, List<Long>> {
  /** Eight bytes a value. */
  static final ValueCodec<List<Long>> FIXED_CODEC =
      new ValueCodec<>() {
        @Override
        public void encode(List<Long> value, ByteSink out) {
          for (long v : value) {
            out.writeLong(v);
          }
        }

        @Override
        public List<Long> decode(byte[] bytes, int offset, int length) {
          List<Long> out = new ArrayList<>(length / 8);
          for (int p = offset; p < offset + length; p += 8) {
            out.add(OrderedBytes.getUnsignedLong(bytes, p));
          }
          return out;
        }
      };

  /** A varint a value, for values in [0, 2^31). */
  static final ValueCodec<List<Long>> VARINT_CODEC =
      new ValueCodec<>() {
        @Override
        public void encode(List<Long> list, ByteSink out) {
          for (long v : list) {
            out.writeVarint((int) v);
          }
        }

        @Override
        public List<Long> decode(byte[] bytes, int offset, int length) {
          List<Long> list = new ArrayList<>();
          for (int at = offset; at < offset + length; ) {
            int v = Varint.get(bytes, at);
            list.add((long) v);
            at += Varint.size(v);
          }
          return list;
        }
      };

  @Override
  public List<Long> createAccumulator(Long value) {
    List<Long> list = new ArrayList<>();
    list.add(value);
    return list;
  }

  @Override
  public List<Long> addInput(List<Long> list, Long value) {
    list.add(value);
    return list;
  }

  @Override
  public List<Long> mergeAccumulators(List<Long> a, List<Long> b) {
    a.addAll(b);
    return a;
  }
}
