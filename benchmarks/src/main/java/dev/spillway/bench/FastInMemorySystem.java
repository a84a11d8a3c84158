package dev.spillway.bench;

import dev.spillway.templates.workload.Checksum;
import dev.spillway.templates.workload.Generator;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrays;

/**
 * The fastest in-memory Java for each workload, no budget: the ceiling spillway's engine is
 * measured against. Primitive arrays and fastutil, no boxing: combine sums into an open-addressing
 * {@code long -> long} map; group and skew hold every (key, value) pair in two {@code long[]},
 * radix-sort them by key and walk each key's run (every value is kept and grouped, as a group-by
 * must); sort radix-sorts (key, input index) pairs, which is stable.
 */
final class FastInMemorySystem implements WorkloadSystem {
  /** The time this run spent weighing its working set: not the baseline's work. */
  private long weighingNanos;

  @Override
  public String name() {
    return "in-memory";
  }

  @Override
  public RunResult run(WorkloadSpec spec) {
    Checksum checksum = new Checksum();
    int n = Math.toIntExact(spec.records());
    long live = 0;
    weighingNanos = 0;
    switch (spec.workload()) {
      case COMBINE:
        {
          // Sized for the key space when it is known (as a program that knows its data would).
          long keys = spec.keys() == 0 ? n : Math.min(n, spec.keys());
          Long2LongOpenHashMap sums = new Long2LongOpenHashMap((int) keys);
          for (int i = 0; i < n; i++) {
            long r = Generator.rand(spec.seed(), i);
            sums.addTo(Generator.key(spec.workload(), r, spec.keys()), Generator.value(r));
          }
          live = liveHeap();
          for (Long2LongOpenHashMap.Entry e : sums.long2LongEntrySet()) {
            checksum.addCombined(e.getLongKey(), e.getLongValue());
          }
          break;
        }
      case GROUP:
      case SKEW:
        {
          long[] keys = new long[n];
          long[] values = new long[n];
          for (int i = 0; i < n; i++) {
            long r = Generator.rand(spec.seed(), i);
            keys[i] = Generator.key(spec.workload(), r, spec.keys());
            values[i] = Generator.value(r);
          }
          LongArrays.radixSort(keys, values);
          live = liveHeap();
          for (int start = 0; start < n; ) {
            int end = start;
            long sum = 0;
            while (end < n && keys[end] == keys[start]) {
              sum += values[end++];
            }
            checksum.addGroup(keys[start], sum, end - start);
            start = end;
          }
          break;
        }
      case SORT:
        {
          long[] keys = new long[n];
          long[] order = new long[n];
          for (int i = 0; i < n; i++) {
            keys[i] = Generator.key(spec.workload(), Generator.rand(spec.seed(), i), spec.keys());
            order[i] = i;
          }
          LongArrays.radixSort(keys, order); // by key, then input index: stable
          live = liveHeap();
          for (int i = 0; i < n; i++) {
            checksum.addSorted(keys[i]);
          }
          break;
        }
      default:
        throw new IllegalArgumentException(spec.workload().id());
    }
    // Reported as its peak memory: the working set the degradation curve's budgets are scaled to.
    // The forced collection that weighs it is no work of the baseline's: its time is taken out.
    return new RunResult(0, 0, 0, live, checksum, 0, weighingNanos / 1e9);
  }

  /** The heap in use by live objects, with the baseline's whole structure built. */
  private long liveHeap() {
    long start = System.nanoTime();
    Runtime runtime = Runtime.getRuntime();
    System.gc();
    long live = runtime.totalMemory() - runtime.freeMemory();
    weighingNanos += System.nanoTime() - start;
    return live;
  }
}
