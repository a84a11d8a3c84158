package dev.spillway.spill;

import java.util.Arrays;

/**
 * The in-memory state of an {@link ExternalMerger}: a {@link KeyIndex} from keys to accumulators.
 *
 * <p>Accumulators are objects (a Beam CombineFn's accumulator is), weighed by the heap they take
 * ({@link HeapSize}), not by their encoding, which can be many times smaller. A fixed-size codec's
 * accumulators all weigh what an empty one does (at least {@link #ACCUMULATOR_OVERHEAD} bytes plus
 * the fixed size), weighed once. Others are weighed after their 1st, 2nd, 4th, 8th... addition and
 * after every merge, so weighing costs O(1) amortized; between weighings each addition counts what
 * an addition added over the last doubling, so a growing accumulator (a list, a set) is not
 * under-counted until its next weighing. When the weight passes what the reservation grants, the
 * table asks for a spill ({@link #overBudget()}) right after the record that grew it. One
 * accumulator heavier than all the budget can give records fails the engine with a message saying
 * so ({@link EngineResources#accumulatorTooLarge}): no spill could make room for it.
 */
final class CombineTable<V, A> implements KeyIndex.Columns {
  /** An object header and a reference, the least an accumulator object costs beyond its data. */
  static final int ACCUMULATOR_OVERHEAD = 24;

  private final Aggregator<V, A> aggregator;
  private final ValueCodec<A> codec;
  private final MemoryReservation reservation;
  private final ByteArena arena;
  private final KeyIndex index;

  /** Weighs accumulators without the aggregator's own state, which they may refer to. */
  private final HeapSize heap;

  private final int fixedWeight;

  /** The most one accumulator may weigh: what the budget can give records at all. */
  private final long maxWeight;

  private final EngineResources resources;
  private final long reserveStep;
  private final ByteSink scratch = new ByteSink();

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

  CombineTable(Aggregator<V, A> aggregator, ValueCodec<A> codec, EngineResources resources) {
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
    this.arena = new ByteArena(reservation, resources.plan.pageBytes());
    this.index = new KeyIndex(arena, reservation, resources.config.hasher(), this);
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

  KeyIndex index() {
    return index;
  }

  int size() {
    return index.size();
  }

  /** Adds a value; false if there was no memory for a new key (nothing changed: spill, retry). */
  boolean addInput(byte[] key, int offset, int length, V value) {
    int id = index.findOrInsert(key, offset, length, index.hash(key, offset, length));
    if (id == KeyIndex.NO_MEMORY) {
      return false;
    }
    if (id < 0) {
      insert(-id - 1, aggregator.createAccumulator(value));
    } else {
      A acc = accumulator(id);
      replace(id, acc, aggregator.addInput(acc, value));
      if (fixedWeight < 0) {
        weighAddition(id);
      }
    }
    return true;
  }

  /** Merges an accumulator; false if there was no memory for a new key (nothing changed). */
  boolean mergeAccumulator(byte[] key, int offset, int length, int hash, A accumulator) {
    int id = index.findOrInsert(key, offset, length, hash);
    if (id == KeyIndex.NO_MEMORY) {
      return false;
    }
    if (id < 0) {
      insert(-id - 1, accumulator);
    } else {
      A acc = accumulator(id);
      replace(id, acc, aggregator.mergeAccumulators(acc, accumulator));
      reweighMerged(id);
    }
    return true;
  }

  /**
   * Merges the encoded accumulator {@code bytes[valueOffset, valueOffset+valueLength)}, decoding it
   * only for a new key; false if there was no memory for a new key (nothing changed).
   */
  boolean mergeEncoded(
      byte[] key,
      int offset,
      int length,
      int hash,
      byte[] bytes,
      int valueOffset,
      int valueLength) {
    int id = index.findOrInsert(key, offset, length, hash);
    if (id == KeyIndex.NO_MEMORY) {
      return false;
    }
    if (id < 0) {
      insert(-id - 1, codec.decode(bytes, valueOffset, valueLength));
    } else {
      A acc = accumulator(id);
      replace(id, acc, aggregator.mergeEncoded(acc, codec, bytes, valueOffset, valueLength));
      reweighMerged(id);
    }
    return true;
  }

  private void insert(int id, A accumulator) {
    accumulators[id] = accumulator;
    weighNew(id);
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

  private void reweighMerged(int id) {
    if (fixedWeight < 0) {
      reweigh(id);
    }
  }

  @SuppressWarnings("unchecked")
  A accumulator(int id) {
    return (A) accumulators[id];
  }

  /** True when the accumulators outgrew what the reservation granted: spill now. */
  boolean overBudget() {
    return overBudget;
  }

  /** Bytes the accumulators are counted as (tests). */
  long accumulatorBytes() {
    return accumulatorBytes;
  }

  /** Bytes of records held: keys and accumulators (what a spill frees). */
  long recordBytes() {
    return arena.reservedBytes() + accumulatorReserved;
  }

  /** Empties the table and gives back its arrays' memory too (before a sorted merge). */
  void shrink(long seed) {
    reset(seed);
    index.shrink();
  }

  /** Empties the table for keys hashed under {@code seed}, returning the records' memory. */
  void reset(long seed) {
    Arrays.fill(accumulators, 0, index.size(), null);
    index.reset(seed);
    arena.reset();
    reservation.release(accumulatorReserved);
    accumulatorReserved = 0;
    accumulatorBytes = 0;
    overBudget = false;
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
    setWeight(id, checkFits(accumulator(id)));
  }

  /**
   * The heap {@code accumulator} takes; fails if the budget could never hold it (the sorted merge,
   * which holds one accumulator outside the table, asks too).
   */
  long checkFits(A accumulator) {
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

  /** Encodes an entry's accumulator into the scratch sink; returns it. */
  ByteSink encode(int id) {
    scratch.clear();
    codec.encode(accumulator(id), scratch);
    return scratch;
  }

  A decode(byte[] bytes, int offset, int length) {
    return codec.decode(bytes, offset, length);
  }

  void encodeValue(A accumulator, ByteSink out) {
    codec.encode(accumulator, out);
  }

  /** Merges the encoded accumulator {@code bytes[offset, offset+length)} into {@code acc}. */
  A mergeEncoded(A acc, byte[] bytes, int offset, int length) {
    return aggregator.mergeEncoded(acc, codec, bytes, offset, length);
  }
}
