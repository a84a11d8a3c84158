package dev.spillway.spill;

import java.util.List;

/**
 * A k-way merge of cursors sorted by key bytes through a binary heap (Guava's {@code
 * MergingIterator}, Flink's {@code MergeIterator}). Each source's current key is reduced to a
 * 64-bit prefix once per record, so most comparisons are one unsigned long comparison; equal
 * prefixes fall back to the key's bytes.
 *
 * <p>Invariant: the heap holds exactly the sources positioned on a record.
 */
final class MergingCursor implements RecordCursor {
  private final RecordCursor[] sources;
  private final long[] prefixes;
  private final int[] heap;
  private int heapSize;
  private boolean started;

  MergingCursor(List<? extends RecordCursor> sources) {
    this.sources = sources.toArray(new RecordCursor[0]);
    this.prefixes = new long[this.sources.length];
    this.heap = new int[this.sources.length];
  }

  @Override
  public boolean next() {
    if (!started) {
      started = true;
      for (int i = 0; i < sources.length; i++) {
        if (sources[i].next()) {
          prefixes[i] = prefixOf(i);
          heap[heapSize++] = i;
        }
      }
      for (int i = heapSize / 2 - 1; i >= 0; i--) {
        siftDown(i);
      }
      return heapSize > 0;
    }
    if (heapSize == 0) {
      return false;
    }
    int top = heap[0];
    if (sources[top].next()) {
      prefixes[top] = prefixOf(top);
    } else {
      heap[0] = heap[--heapSize];
    }
    if (heapSize > 0) {
      siftDown(0);
    }
    return heapSize > 0;
  }

  private long prefixOf(int source) {
    RecordCursor c = sources[source];
    return Bytes.prefix(c.keyArray(), c.keyOffset(), c.keyLength());
  }

  private void siftDown(int i) {
    int item = heap[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= heapSize) {
        break;
      }
      if (child + 1 < heapSize && less(heap[child + 1], heap[child])) {
        child++;
      }
      if (!less(heap[child], item)) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = item;
  }

  private boolean less(int a, int b) {
    int c = Long.compareUnsigned(prefixes[a], prefixes[b]);
    if (c != 0) {
      return c < 0;
    }
    RecordCursor x = sources[a];
    RecordCursor y = sources[b];
    c =
        Bytes.compare(
            x.keyArray(), x.keyOffset(), x.keyLength(), y.keyArray(), y.keyOffset(), y.keyLength());
    // Ties go to the earlier source, so that a merge is stable across runs.
    return c < 0 || (c == 0 && a < b);
  }

  private RecordCursor top() {
    return sources[heap[0]];
  }

  @Override
  public byte[] keyArray() {
    return top().keyArray();
  }

  @Override
  public int keyOffset() {
    return top().keyOffset();
  }

  @Override
  public int keyLength() {
    return top().keyLength();
  }

  @Override
  public byte[] valueArray() {
    return top().valueArray();
  }

  @Override
  public int valueOffset() {
    return top().valueOffset();
  }

  @Override
  public int valueLength() {
    return top().valueLength();
  }

  @Override
  public void close() {
    RuntimeException failure = null;
    for (RecordCursor source : sources) {
      try {
        source.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        }
      }
    }
    heapSize = 0;
    if (failure != null) {
      throw failure;
    }
  }
}
