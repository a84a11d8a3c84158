package dev.spillway.spill;

import java.util.ArrayDeque;

/**
 * The block buffers of one engine, counted in its {@link SpillPlan#ioBytes()} reserve: one slot per
 * open segment reader or writer. Slots are made on first use and reused; a reader of a block larger
 * than a slot (a lone oversized record) gets a larger buffer of its own for that block. Buffers
 * come from the {@link PageRecycler} and go back to it when the engine closes.
 */
final class IoBuffers {
  /** A raw block buffer and a buffer for its stored (compressed, framed) form. */
  static final class Slot {
    byte[] raw;
    byte[] stored;

    Slot(int rawBytes, int storedBytes) {
      raw = PageRecycler.take(rawBytes);
      stored = PageRecycler.take(storedBytes);
    }
  }

  private final int blockBytes;
  private final int storedBytes;
  private final int maxSlots;
  private final ArrayDeque<Slot> free = new ArrayDeque<>();
  private int made;

  IoBuffers(SpillConfig config, int blockBytes, int maxSlots) {
    this.blockBytes = blockBytes;
    this.storedBytes = (int) (SpillPlan.slotBytes(config, blockBytes) - blockBytes);
    this.maxSlots = maxSlots;
  }

  Slot acquire() {
    Slot slot = free.poll();
    if (slot != null) {
      return slot;
    }
    if (made == maxSlots) {
      throw new IllegalStateException("all " + maxSlots + " block buffers are in use");
    }
    made++;
    return new Slot(blockBytes, storedBytes);
  }

  void release(Slot slot) {
    if (slot.raw.length != blockBytes) {
      slot.raw = PageRecycler.take(blockBytes);
    }
    if (slot.stored.length != storedBytes) {
      slot.stored = PageRecycler.take(storedBytes);
    }
    free.push(slot);
  }

  /** Gives the slots no reader or writer holds to the {@link PageRecycler}, at the engine's end. */
  void close() {
    Slot slot;
    while ((slot = free.poll()) != null) {
      PageRecycler.give(slot.raw);
      PageRecycler.give(slot.stored);
    }
  }

  int slotsInUse() {
    return made - free.size();
  }
}
