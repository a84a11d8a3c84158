package dev.spillway.spill;

import java.util.Arrays;

/**
 * Accumulators as objects (a Beam CombineFn's accumulator is one), weighed by the heap they take
 * ({@link HeapSize}), not by their encoding, which can be many times smaller, and spilled in the
 * aggregator's {@link ValueCodec}.
 *
 * <p>A fixed-size codec's accumulators all weigh what an empty one does (at least {@link
 * #ACCUMULATOR_OVERHEAD} bytes plus the fixed size), weighed once. Others are weighed after their
 * 1st, 2nd, 4th, 8th... addition and after every merge, so weighing costs O(1) amortized; between
 * weighings each addition counts what an addition added over the last doubling, so a growing
 * accumulator (a list, a set) is not under-counted until its next weighing. When the weight passes
 * what the reservation grants, the table asks for a spill ({@link #overBudget()}) right after the
 * record that grew it. One accumulator heavier than all the budget can give records fails the
 * engine with a message saying so ({@link EngineResources#accumulatorTooLarge}): no spill could
 * make room for it.
 */
final class ObjectAccumulators<V, A> implements AccumulatorColumn<V, A> {
  /** An object header and a reference, the least an accumulator object costs beyond its data. */
  static final int ACCUMULATOR_OVERHEAD = 24;

  private final Aggregator<V, A> aggregator;
  private final ValueCodec<A> codec;
  private final MemoryReservation reservation;

  /** Weighs accumulators without the aggregator's own state, which they may refer to. */
  private final HeapSize heap;

  private final int fixedWeight;

  /** The most one accumulator may weigh: what the budget can give records at all. */
  private final long maxWeight;

  private final EngineResources resources;
  private final long reserveStep;

  private Object[] accumulators = new Object[0];

  /**
   * Per entry, for variable-size accumulators only: additions so far, the weight counted, and what
   * each addition is taken to add until the next weighing.
   */
  private int[] additions;

  private int[] weights;
  private int[] growth;
  private long accumulatorBytes;
  private long accumulatorReserved;
  private boolean overBudget;

  ObjectAccumulators(Aggregator<V, A> aggregator, ValueCodec<A> codec, EngineResources resources) {
    this.aggregator = aggregator;
    this.codec = codec;
    this.reservation = resources.reservation;
    this.heap = new HeapSize(aggregator);
    this.resources = resources;
    this.maxWeight = resources.recordCapacity();
    this.fixedWeight =
        codec.fixedSize() >= 0
            ? (int)
                Math.max(
                    ACCUMULATOR_OVERHEAD + codec.fixedSize(),
                    heap.of(aggregator.emptyAccumulator()))
            : -1;
    this.reserveStep = resources.plan.pageBytes();
  }

  @Override
  public long bytesPerEntry() {
    return 8 + (fixedWeight >= 0 ? 0 : 12);
  }

  @Override
  public void resize(int capacity) {
    accumulators = Arrays.copyOf(accumulators, capacity);
    if (fixedWeight < 0) {
      additions = additions == null ? new int[capacity] : Arrays.copyOf(additions, capacity);
      weights = weights == null ? new int[capacity] : Arrays.copyOf(weights, capacity);
      growth = growth == null ? new int[capacity] : Arrays.copyOf(growth, capacity);
    }
  }

  @Override
  public void create(int id, V value) {
    insert(id, aggregator.createAccumulator(value));
  }

  @Override
  public void add(int id, V value) {
    A acc = get(id);
    replace(id, acc, aggregator.addInput(acc, value));
    if (fixedWeight < 0) {
      weighAddition(id);
    }
  }

  @Override
  public void insert(int id, A accumulator) {
    accumulators[id] = accumulator;
    weighNew(id);
  }

  @Override
  public void merge(int id, A accumulator) {
    A acc = get(id);
    replace(id, acc, aggregator.mergeAccumulators(acc, accumulator));
    reweighMerged(id);
  }

  @Override
  public void insertEncoded(int id, byte[] bytes, int offset, int length) {
    insert(id, codec.decode(bytes, offset, length));
  }

  @Override
  public void mergeEncoded(int id, byte[] bytes, int offset, int length) {
    A acc = get(id);
    replace(id, acc, aggregator.mergeEncoded(acc, codec, bytes, offset, length));
    reweighMerged(id);
  }

  /**
   * Stores an entry's new accumulator only when it is a new object: an aggregator that adds in
   * place (most do) then costs no reference store, whose GC write barrier is otherwise a good part
   * of a merged record's cost.
   */
  private void replace(int id, A old, A updated) {
    if (updated != old) {
      accumulators[id] = updated;
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public A get(int id) {
    return (A) accumulators[id];
  }

  @Override
  public void encode(int id, ByteSink out) {
    codec.encode(get(id), out);
  }

  @Override
  public void encodeCreated(V value, ByteSink out) {
    codec.encode(aggregator.createAccumulator(value), out);
  }

  @Override
  public void encodeAccumulator(A accumulator, ByteSink out) {
    codec.encode(accumulator, out);
  }

  @Override
  public A decode(byte[] bytes, int offset, int length) {
    return codec.decode(bytes, offset, length);
  }

  @Override
  public A mergeEncoded(A accumulator, byte[] bytes, int offset, int length) {
    return aggregator.mergeEncoded(accumulator, codec, bytes, offset, length);
  }

  /** Bytes the accumulators are counted as (tests). */
  long accumulatorBytes() {
    return accumulatorBytes;
  }

  @Override
  public long reservedBytes() {
    return accumulatorReserved;
  }

  @Override
  public boolean overBudget() {
    return overBudget;
  }

  @Override
  public void clear(int size) {
    Arrays.fill(accumulators, 0, size, null);
    reservation.release(accumulatorReserved);
    accumulatorReserved = 0;
    accumulatorBytes = 0;
    overBudget = false;
  }

  private void reweighMerged(int id) {
    if (fixedWeight < 0) {
      reweigh(id);
    }
  }

  private void weighNew(int id) {
    if (fixedWeight >= 0) {
      account(fixedWeight);
    } else {
      additions[id] = 1;
      weights[id] = 0;
      growth[id] = 0;
      reweigh(id);
    }
  }

  /**
   * Weighs an accumulator after its n-th addition when n is a power of two; in between, counts what
   * each of the n/2 additions before the last weighing added on average.
   */
  private void weighAddition(int id) {
    int n = ++additions[id];
    if (Integer.bitCount(n) != 1) {
      if (growth[id] > 0) {
        setWeight(id, weights[id] + (long) growth[id]);
      }
      return;
    }
    int half = n >>> 1;
    long lastWeighed = weights[id] - (long) growth[id] * (half - 1);
    reweigh(id);
    growth[id] = (int) Math.max(0, -Math.floorDiv(lastWeighed - weights[id], half));
  }

  private void reweigh(int id) {
    setWeight(id, checkFits(get(id)));
  }

  @Override
  public long checkFits(A accumulator) {
    long weight = heap.of(accumulator);
    if (weight > maxWeight) {
      throw resources.accumulatorTooLarge(weight);
    }
    return weight;
  }

  private void setWeight(int id, long weight) {
    int capped = (int) Math.min(Integer.MAX_VALUE / 2, weight);
    account(capped - weights[id]);
    weights[id] = capped;
  }

  private void account(long delta) {
    accumulatorBytes += delta;
    if (accumulatorBytes > accumulatorReserved) {
      long step = Math.max(accumulatorBytes - accumulatorReserved, reserveStep);
      if (reservation.tryReserve(step)) {
        accumulatorReserved += step;
      } else {
        overBudget = true;
      }
    }
  }
}
