package dev.spillway.spill;

/**
 * The values of one key: re-iterable, each {@link #cursor()} starting from the first value. Valid
 * until the group cursor moves to the next key.
 */
public interface GroupValues {
  long count();

  ValueCursor cursor();
}
