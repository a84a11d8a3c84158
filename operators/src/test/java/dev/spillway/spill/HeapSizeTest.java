package dev.spillway.spill;

import static org.junit.Assert.assertEquals;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.Test;

/** {@link HeapSize} against what HotSpot allocates for the same graphs. */
public class HeapSizeTest {
  private final HeapSize heap = new HeapSize();

  /** A graph's size as its allocation: the bytes this thread allocated making it. */
  private static long allocatedBy(Supplier<?> make) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    make.get(); // loads and initialises what making one needs
    long before = threads.getCurrentThreadAllocatedBytes();
    Object made = make.get();
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertEquals(made.getClass(), make.get().getClass());
    return allocated;
  }

  private void assertSizedLikeItsAllocation(String what, Supplier<?> make) {
    long allocated = allocatedBy(make);
    long measured = heap.of(make.get());
    assertEquals(what + ": measured " + measured, allocated, measured, allocated * 0.03);
  }

  @Test
  public void arraysAndPlainObjects() {
    assertSizedLikeItsAllocation("long[1000]", () -> new long[1000]);
    assertSizedLikeItsAllocation("byte[13]", () -> new byte[13]);
    assertSizedLikeItsAllocation(
        "Object[100] of Longs",
        () -> {
          Object[] boxed = new Object[100];
          for (int i = 0; i < boxed.length; i++) {
            boxed[i] = Long.valueOf(1_000 + i);
          }
          return boxed;
        });
  }

  @Test
  public void theJdksOwnCollectionsAreFollowed() {
    assertSizedLikeItsAllocation(
        "ArrayList of 10,000 Longs",
        () -> {
          List<Long> list = new ArrayList<>(10_000);
          for (long i = 0; i < 10_000; i++) {
            list.add(1_000 + i);
          }
          return list;
        });
    assertSizedLikeItsAllocation(
        "HashMap of 1,000 Strings",
        () -> {
          Map<String, Integer> map = new HashMap<>(2048);
          for (int i = 0; i < 1_000; i++) {
            map.put("key " + i, 1_000 + i);
          }
          return map;
        });
  }

  private static final class Node {
    Node next;
    final long[] payload = new long[16];
  }

  @Test
  public void aCycleCountsEachObjectOnce() {
    Node a = new Node();
    long one = heap.of(a);
    Node b = new Node();
    a.next = b;
    b.next = a;
    assertEquals("a cycle of two", 2 * one, heap.of(a));
    Object[] both = {a, a, b};
    assertEquals(2 * one + heap.of(new Object[3]), heap.of(both));
  }

  @Test
  public void aSmallTreeCountsEachReferenceALargeGraphEachObject() {
    Node shared = new Node();
    long one = heap.of(shared);
    assertEquals(
        "walked as a tree: counted at each reference",
        2 * one + heap.of(new Object[2]),
        heap.of(new Object[] {shared, shared}));
    Object[] many = new Object[5_000];
    java.util.Arrays.fill(many, shared);
    assertEquals(
        "past a thousand objects: counted once", one + heap.of(new Object[5_000]), heap.of(many));
  }

  /** What every inner instance shares, as a CombineFn shares its state with its accumulators. */
  private final long[] outerState = new long[100_000];

  private final class Inner {
    long sum;
  }

  /** Inner's fields, its outer reference as an ordinary field, left null. */
  private static final class InnerTwin {
    long sum;
    Object outer;
  }

  @Test
  public void anInnerInstanceIsCountedWithoutItsOuterOne() {
    assertEquals(new HeapSize().of(new InnerTwin()), heap.of(new Inner()));
    assertEquals(100_000, outerState.length);
  }

  /** A comparator with tables of its own, as a {@code Collator} has. */
  private static final class TableComparator {
    final long[][] tables = new long[64][1_000];
  }

  /** An aggregator's state, which every accumulator refers to. */
  private static final class Aggregation {
    final TableComparator compare = new TableComparator();
  }

  /** An accumulator keeping the aggregation's comparator, as Beam's {@code Top} does. */
  private static final class Bounded {
    final List<Long> values = new ArrayList<>();
    Object compare;
  }

  @Test
  public void whatASharedRootReachesIsNotCounted() {
    Aggregation aggregation = new Aggregation();
    Bounded alone = new Bounded();
    alone.values.add(1_000L);
    Bounded referring = new Bounded();
    referring.values.add(1_000L);
    referring.compare = aggregation.compare;
    assertEquals(
        "weighed by what is its own",
        new HeapSize().of(alone),
        new HeapSize(aggregation).of(referring));
    assertEquals(
        "without the shared root, the comparator's tables count",
        heap.of(alone) + heap.of(aggregation.compare),
        heap.of(referring));
  }

  @Test
  public void classesAndEnumConstantsAreNotTheGraphs() {
    Object[] holder = {TimeUnit.SECONDS, String.class, Thread.currentThread()};
    assertEquals(heap.of(new Object[3]), heap.of(holder));
  }
}
