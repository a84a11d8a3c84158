package dev.spillway.spill;

/**
 * How one engine divides its budget, decided once from its share of the pool (at most a quarter of
 * it, so that at least four engines fit their floors): a quarter of that share, at most, is set
 * aside for I/O (block buffers of the spill writer and of up to {@code fanIn} readers at once) and
 * held while the engine lives, with a few pages, so that spilling and merging never need memory the
 * budget lacks; the rest holds records.
 *
 * <p>Small budgets shrink the block size (to 1 KiB) and then the fan-in (to 2), never the cap; so
 * does a low open-file limit (the fan-in stays within {@link OpenFileLimit#allowance()}).
 *
 * @param blockBytes raw bytes per spill block
 * @param fanIn runs merged at once
 * @param pageBytes the size of one page of record storage
 * @param ioBytes bytes reserved for block buffers
 */
record SpillPlan(int blockBytes, int fanIn, int pageBytes, long ioBytes) {
  private static final int MIN_BLOCK = 1 << 10;
  private static final int MIN_PAGE = 4 << 10;

  /** Below half a G1 region (1 MiB on small heaps), so pages are not humongous objects. */
  private static final int MAX_PAGE = 256 << 10;

  /** Pages every engine holds beyond its block buffers (its floor), to go on after a spill. */
  static final int FLOOR_PAGES = 8;

  /** The memory an engine holds while it lives: block buffers and {@link #FLOOR_PAGES} pages. */
  long floorBytes() {
    return ioBytes + (long) FLOOR_PAGES * pageBytes;
  }

  /** The same plan without block buffers, for an engine that never spills. */
  SpillPlan withoutIo() {
    return new SpillPlan(blockBytes, fanIn, pageBytes, 0);
  }

  static SpillPlan of(SpillConfig config, long budget) {
    long ioShare = budget / 4;
    // Buffers: one slot (raw + stored) per reader of a merge, plus the writer and one reader of
    // a key's spilled values.
    int slots = config.maxFanIn() + 2;
    int block = (int) Math.max(MIN_BLOCK, Math.min(config.maxBlockBytes(), ioShare / (2L * slots)));
    // Readers of a merge, the writer and a values reader each hold a file open.
    int maxFanIn = Math.min(config.maxFanIn(), OpenFileLimit.allowance() - 2);
    int fanIn = (int) Math.max(2, Math.min(maxFanIn, ioShare / (2L * block) - 2));
    long io = (fanIn + 2L) * slotBytes(config, block);
    long page = Long.highestOneBit(Math.max(MIN_PAGE, Math.min(MAX_PAGE, budget / 64)));
    return new SpillPlan(block, fanIn, (int) page, io);
  }

  /** The bytes of one buffer slot: a raw block and its stored (compressed, framed) form. */
  static long slotBytes(SpillConfig config, int block) {
    return block
        + (long) config.codec().maxCompressedLength(block)
        + FrameFormat.FRAME_HEADER_BYTES
        + (config.encryption() ? FrameCipher.OVERHEAD : 0);
  }
}
