package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import dev.spillway.spill.v1.Order;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The values of one key, when they may not fit in memory: PySpark's {@code ExternalList}. Values
 * are kept in {@link ValueBlocks} until the reservation refuses a page; then the blocks are written
 * to a segment of a private spill file and memory starts over. Re-iterable: a cursor reads the
 * file's segments in order, then the blocks in memory. {@link #clear()} deletes the file.
 */
final class SpillableValues implements GroupValues {
  private static final byte[] NO_KEY = new byte[0];

  private final EngineResources resources;
  private final ByteArena arena;
  private final List<SegmentLocation> spilled = new ArrayList<>();

  /** Cursors with a segment open, closed by {@link #clear()} if the caller abandoned them. */
  private final List<Cursor> openCursors = new ArrayList<>();

  private SpillFileWriter file;
  private long head = ValueBlocks.END;
  private long tail = ValueBlocks.END;
  private long count;

  SpillableValues(EngineResources resources) {
    this.resources = resources;
    this.arena = new ByteArena(resources.reservation, resources.plan.pageBytes());
  }

  void add(byte[] value, int offset, int length) {
    if (!tryAdd(value, offset, length)) {
      resources.makeRoom(
          () -> tryAdd(value, offset, length),
          this::spill,
          () -> {},
          length,
          () -> spillAlone(value, offset, length));
    }
  }

  /**
   * Adds a value that no memory could hold by writing it to the file by itself, after the values
   * held in memory (spilled first, so the order holds).
   */
  void addAlone(byte[] value, int offset, int length) {
    spill();
    spillAlone(value, offset, length);
  }

  /** Writes a value that no memory could hold to the file by itself, after the values before it. */
  private void spillAlone(byte[] value, int offset, int length) {
    writeSegment(out -> out.appendValue(value, offset, length));
    count++;
  }

  /** Adds a value if the reservation grants its memory; false (nothing added) if not. */
  boolean tryAdd(byte[] value, int offset, int length) {
    long newTail = ValueBlocks.append(arena, tail, value, offset, length);
    if (newTail == ByteArena.NO_MEMORY) {
      return false;
    }
    if (head == ValueBlocks.END) {
      head = newTail;
    }
    tail = newTail;
    count++;
    return true;
  }

  /** Writes the values held in memory to the file and frees their memory; false if none. */
  boolean spill() {
    if (head == ValueBlocks.END) {
      return false;
    }
    long freed = arena.reservedBytes();
    writeSegment(
        out -> {
          ValueCursor values = new ValueBlocks.Cursor(arena, head);
          while (values.next()) {
            out.appendValue(values.array(), values.offset(), values.length());
          }
        });
    resources.recordSpill(freed);
    arena.reset();
    head = ValueBlocks.END;
    tail = ValueBlocks.END;
    return true;
  }

  /** Appends a segment of values, which {@code values} writes, to the file. */
  private void writeSegment(Consumer<SegmentWriter> values) {
    if (file == null) {
      file = resources.newFile("values");
    }
    long before = file.position();
    IoBuffers.Slot slot = resources.buffers.acquire();
    try {
      SegmentWriter writer =
          resources.newSegment(file, slot, Layout.LAYOUT_KEY_VALUES, Order.ORDER_NONE);
      writer.startKey(NO_KEY, 0, 0);
      values.accept(writer);
      spilled.add(writer.finish());
    } finally {
      resources.buffers.release(slot);
    }
    resources.recordDiskBytes(file.position() - before);
  }

  @Override
  public long count() {
    return count;
  }

  @Override
  public ValueCursor cursor() {
    return new Cursor();
  }

  /** Forgets every value and deletes the spill file. */
  void clear() {
    for (Cursor c : List.copyOf(openCursors)) {
      c.closeReader();
    }
    openCursors.clear();
    arena.reset();
    head = ValueBlocks.END;
    tail = ValueBlocks.END;
    count = 0;
    spilled.clear();
    if (file != null) {
      file.close();
      resources.deleteFile(file.path());
      file = null;
    }
  }

  /** Reads the spilled segments in order, then the blocks in memory. */
  private final class Cursor implements ValueCursor {
    private int nextSegment;
    private SegmentReader reader;
    private ValueBlocks.Cursor memory;
    private ValueCursor current;

    @Override
    public boolean next() {
      while (true) {
        if (reader != null) {
          if (reader.next()) {
            current = this.readerView;
            return true;
          }
          closeReader();
        }
        if (nextSegment < spilled.size()) {
          reader = resources.open(spilled.get(nextSegment++));
          openCursors.add(this);
          continue;
        }
        if (memory == null) {
          memory = new ValueBlocks.Cursor(arena, head);
        }
        current = memory;
        return memory.next();
      }
    }

    void closeReader() {
      if (reader != null) {
        reader.close();
        reader = null;
        openCursors.remove(this);
      }
    }

    private final ValueCursor readerView =
        new ValueCursor() {
          @Override
          public boolean next() {
            throw new UnsupportedOperationException();
          }

          @Override
          public byte[] array() {
            return reader.valueArray();
          }

          @Override
          public int offset() {
            return reader.valueOffset();
          }

          @Override
          public int length() {
            return reader.valueLength();
          }
        };

    @Override
    public byte[] array() {
      return current.array();
    }

    @Override
    public int offset() {
      return current.offset();
    }

    @Override
    public int length() {
      return current.length();
    }
  }
}
