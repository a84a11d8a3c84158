package dev.spillway.transforms;

import dev.spillway.spill.GroupValues;
import dev.spillway.spill.ValueCodec;
import dev.spillway.spill.ValueCursor;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A key's values as a re-iterable {@link Iterable}, read from the engine on every iteration and
 * decoded one at a time: nothing of the group is held on the heap. Valid until {@link #close()},
 * after which every iterator, old or new, fails clearly.
 */
final class StreamedValues<V> implements Iterable<V> {
  private final GroupValues values;
  private final ValueCodec<V> codec;

  /** Bytes in front of each value (its timestamp), skipped. */
  private final int prefix;

  private boolean open = true;

  StreamedValues(GroupValues values, ValueCodec<V> codec, int prefix) {
    this.values = values;
    this.codec = codec;
    this.prefix = prefix;
  }

  void close() {
    open = false;
  }

  private void checkOpen() {
    if (!open) {
      throw new IllegalStateException(
          "the values of a group can be read only while"
              + " GroupProcessor.process runs for it; keep what you need, not the Iterable");
    }
  }

  @Override
  public Iterator<V> iterator() {
    checkOpen();
    ValueCursor cursor = values.cursor();
    return new Iterator<V>() {
      private boolean advanced;
      private boolean has;

      @Override
      public boolean hasNext() {
        checkOpen();
        if (!advanced) {
          has = cursor.next();
          advanced = true;
        }
        return has;
      }

      @Override
      public V next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        advanced = false;
        return codec.decode(cursor.array(), cursor.offset() + prefix, cursor.length() - prefix);
      }
    };
  }

  @Override
  public String toString() {
    return "StreamedValues{" + values.count() + " values}";
  }
}
