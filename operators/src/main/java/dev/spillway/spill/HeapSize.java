package dev.spillway.spill;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The heap an object graph takes: every object reachable from a root, sized the way HotSpot lays it
 * out (object header, fields, arrays, alignment; Lucene's {@code RamUsageEstimator} and Spark's
 * {@code SizeEstimator} do the same). A combine table weighs its accumulators with it, because an
 * accumulator can be many times larger on the heap than its encoding: a list of boxed longs takes
 * about 20 bytes a value against one to nine encoded, and weighed by its encoding a 64 MiB budget
 * ran a 400 MiB heap out of memory.
 *
 * <p>The size depends only on the graph, never on timing or on what was measured before, so engines
 * given the same input spill at the same points, run after run.
 *
 * <p>What is not the graph's own is not counted: classes, class loaders, threads, enum constants,
 * what an inner class's instance reaches through its outer instance, and the objects with
 * references that a shared root given at construction reaches (an aggregator's state: the
 * comparator a {@code Top} accumulator keeps, say, which may hold tables of its own).
 *
 * <p>How shared objects count: one without reference fields (a boxed number) is counted at every
 * reference to it, without being looked up, so that lists of boxed values walk cheaply. A graph of
 * up to a thousand other objects is walked as a tree, each reference counted; a larger one (or a
 * cycle) is walked again keeping track of every object met, each counted once.
 *
 * <p>Fields are read through {@code sun.misc.Unsafe}, which reads the JDK's own classes too (the
 * module system closes them to reflection), else by reflection (a record's fields); where neither
 * can read a field, what it refers to is not counted.
 *
 * <p>Not thread-safe: one instance per engine.
 */
final class HeapSize {
  /** Bytes of a reference: 4 with compressed oops. */
  private static final int REFERENCE;

  private static final int OBJECT_HEADER;
  private static final int ARRAY_HEADER;
  private static final int ALIGNMENT;

  private static final MethodHandle FIELD_OFFSET;
  private static final MethodHandle GET_REFERENCE;

  static {
    boolean compressedOops = true;
    boolean compressedClassPointers = true;
    int alignment = 8;
    try {
      com.sun.management.HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
      compressedOops = Boolean.parseBoolean(vm.getVMOption("UseCompressedOops").getValue());
      compressedClassPointers =
          Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue());
      alignment = Integer.parseInt(vm.getVMOption("ObjectAlignmentInBytes").getValue());
    } catch (RuntimeException | LinkageError e) {
      // Not HotSpot: its defaults on a 64-bit JVM with a heap under 32 GiB.
    }
    REFERENCE = compressedOops ? 4 : 8;
    OBJECT_HEADER = compressedClassPointers ? 12 : 16;
    ALIGNMENT = alignment;
    ARRAY_HEADER = (int) align(OBJECT_HEADER + 4);

    MethodHandle fieldOffset = null;
    MethodHandle getReference = null;
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      Object unsafe = theUnsafe.get(null);
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      fieldOffset =
          lookup
              .findVirtual(
                  unsafeClass, "objectFieldOffset", MethodType.methodType(long.class, Field.class))
              .bindTo(unsafe);
      getReference =
          lookup
              .findVirtual(
                  unsafeClass,
                  "getObject",
                  MethodType.methodType(Object.class, Object.class, long.class))
              .bindTo(unsafe);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // No Unsafe: fields the module system closes are not followed.
    }
    FIELD_OFFSET = fieldOffset;
    GET_REFERENCE = getReference;
  }

  private static final ClassValue<Shape> SHAPES =
      new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
          return Shape.of(type);
        }
      };

  /**
   * Objects with reference fields a walk may meet before it starts over keeping track of what it
   * met: most accumulators are small trees, walked faster without looking each object up.
   */
  private static final int UNTRACKED_OBJECTS = 1_000;

  /**
   * The most objects (with references, or arrays) of a shared root's graph that are left out of
   * every walk; past it, the rest counts where an accumulator reaches it.
   */
  private static final int MAX_SHARED_OBJECTS = 1 << 20;

  private Map<Object, Boolean> seen = new IdentityHashMap<>();
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private boolean tracked;
  private long bytes;

  /** What the shared root reaches (objects with references and arrays), and of which classes. */
  private final Map<Object, Boolean> shared = new IdentityHashMap<>();

  private final Set<Class<?>> sharedClasses = new HashSet<>();

  /** Sizes graphs whole. */
  HeapSize() {}

  /**
   * Sizes graphs without what {@code sharedRoot} reaches: an aggregator, whose state (a CombineFn's
   * comparator, say, that every one of its accumulators refers to) is not any accumulator's own.
   */
  HeapSize(Object sharedRoot) {
    if (sharedRoot == null) {
      return;
    }
    seen.put(sharedRoot, Boolean.TRUE);
    walk(sharedRoot, true, MAX_SHARED_OBJECTS); // past the cap, what it met so far is excluded
    shared.putAll(seen);
    for (Object object : shared.keySet()) {
      sharedClasses.add(object.getClass());
    }
    seen = new IdentityHashMap<>();
  }

  /** The bytes {@code root} and everything it reaches take on the heap; 0 for null. */
  long of(Object root) {
    if (root == null) {
      return 0;
    }
    // Untracked, a graph that shares objects counts them at each reference, and a cycle never
    // ends: past a thousand objects the walk starts over, counting each object once.
    return walk(root, false, UNTRACKED_OBJECTS) ? bytes : walkTracked(root);
  }

  private long walkTracked(Object root) {
    try {
      seen.put(root, Boolean.TRUE);
      walk(root, true, Long.MAX_VALUE);
      return bytes;
    } finally {
      if (seen.size() > UNTRACKED_OBJECTS) {
        seen = new IdentityHashMap<>(); // clear() would wipe the whole grown table every walk
      } else {
        seen.clear();
      }
    }
  }

  /**
   * Sums what {@code root} reaches into {@link #bytes}; false if it gave up after {@code
   * maxObjects} objects with references.
   */
  private boolean walk(Object root, boolean tracked, long maxObjects) {
    this.tracked = tracked;
    bytes = 0;
    long objects = 0;
    try {
      pending.push(root);
      while (!pending.isEmpty()) {
        if (++objects > maxObjects) {
          return false;
        }
        Object next = pending.pop();
        Class<?> type = next.getClass();
        if (type.isArray()) {
          walkArray(next, type);
        } else {
          Shape shape = SHAPES.get(type);
          bytes += shape.bytes;
          for (FieldReader field : shape.references) {
            visit(field.read(next));
          }
        }
      }
      return true;
    } finally {
      pending.clear();
    }
  }

  private void walkArray(Object array, Class<?> type) {
    Class<?> element = type.getComponentType();
    int length = Array.getLength(array);
    if (element.isPrimitive()) {
      bytes += align(ARRAY_HEADER + (long) length * primitiveBytes(element));
      return;
    }
    bytes += align(ARRAY_HEADER + (long) length * REFERENCE);
    for (Object value : (Object[]) array) {
      visit(value);
    }
  }

  /** Counts an object without references at once; queues others (once each, when tracked). */
  private void visit(Object value) {
    if (value == null) {
      return;
    }
    Class<?> type = value.getClass();
    if (!type.isArray()) {
      Shape shape = SHAPES.get(type);
      if (shape.references.length == 0) {
        bytes += shape.bytes;
        return;
      }
    }
    if (!sharedClasses.isEmpty() && sharedClasses.contains(type) && shared.containsKey(value)) {
      return;
    }
    if (!tracked || seen.put(value, Boolean.TRUE) == null) {
      pending.push(value);
    }
  }

  private static long align(long bytes) {
    return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  private static int primitiveBytes(Class<?> type) {
    if (type == long.class || type == double.class) {
      return 8;
    }
    if (type == int.class || type == float.class) {
      return 4;
    }
    if (type == short.class || type == char.class) {
      return 2;
    }
    return 1;
  }

  /** A class's instance size and the readers of its reference fields, its superclasses' too. */
  private static final class Shape {
    final long bytes;
    final FieldReader[] references;

    private Shape(long bytes, FieldReader[] references) {
      this.bytes = bytes;
      this.references = references;
    }

    static Shape of(Class<?> type) {
      if (type == Class.class
          || ClassLoader.class.isAssignableFrom(type)
          || Thread.class.isAssignableFrom(type)
          || Enum.class.isAssignableFrom(type)) {
        return new Shape(0, new FieldReader[0]); // not the graph's own: counts nothing
      }
      long bytes = OBJECT_HEADER;
      List<FieldReader> references = new ArrayList<>();
      for (Class<?> c = type; c != null; c = c.getSuperclass()) {
        for (Field field : c.getDeclaredFields()) {
          if (Modifier.isStatic(field.getModifiers())) {
            continue;
          }
          Class<?> fieldType = field.getType();
          if (fieldType.isPrimitive()) {
            bytes += primitiveBytes(fieldType);
          } else {
            bytes += REFERENCE;
            // An inner class's reference to its outer instance (say, the CombineFn whose
            // non-static class the accumulator is): shared by every accumulator, not followed.
            FieldReader reader = field.isSynthetic() ? null : FieldReader.of(field);
            if (reader != null) {
              references.add(reader);
            }
          }
        }
      }
      return new Shape(align(bytes), references.toArray(new FieldReader[0]));
    }
  }

  /** Reads one reference field of an object. */
  private interface FieldReader {
    Object read(Object instance);

    /** A reader for {@code field}, or null if neither reflection nor Unsafe can read it. */
    static FieldReader of(Field field) {
      long offset = -1;
      if (FIELD_OFFSET != null) {
        try {
          offset = (long) FIELD_OFFSET.invokeExact(field);
        } catch (Throwable e) {
          // A record's or a hidden class's field, which Unsafe does not place: reflection reads it.
        }
      }
      if (offset >= 0) {
        long at = offset;
        return instance -> {
          try {
            return (Object) GET_REFERENCE.invokeExact(instance, at);
          } catch (Throwable e) {
            throw new IllegalStateException(e);
          }
        };
      }
      if (!field.trySetAccessible()) {
        return null;
      }
      return instance -> {
        try {
          return field.get(instance);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      };
    }
  }
}
