package dev.spillway.spill;

import java.util.ArrayDeque;

/**
 * The block buffers of one engine, counted in its {@link SpillPlan#ioBytes()} reserve: one slot per
 * open segment reader or writer. Slots are made on first use and reused; a reader of a block larger
 * than a slot (a lone oversized record) gets a larger buffer of its own for that block.
 */
final class IoBuffers {
  /** A raw block buffer and a buffer for its stored (compressed, framed) form. */
  static final class Slot {
    byte[] raw;
    byte[] stored;

    Slot(int rawBytes, int storedBytes) {
      raw = new byte[rawBytes];
      stored = new byte[storedBytes];
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
      slot.raw = new byte[blockBytes];
    }
    if (slot.stored.length != storedBytes) {
      slot.stored = new byte[storedBytes];
    }
    free.push(slot);
  }

  int slotsInUse() {
    return made - free.size();
  }
}
