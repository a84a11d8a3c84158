package dev.spillway.spill;

import java.util.Arrays;

/**
 * A few hundred or thousand byte chains that grow side by side, each a list of small chunks carved
 * in turn from pages of the engine's page size: a record appended to a chain lies near the chain's
 * other records, whatever order the records come in, at the cost of a partly filled last chunk per
 * chain. {@link HashBuckets} keeps a partition's buckets in them, {@link SortBuffer} a run's
 * records by eight bits of their key.
 *
 * <p>The pages are a {@link ByteArena}'s, so they come from and go back to the {@link PageRecycler}
 * shelf every engine's pages share. A position is {@code chunk << 32 | offset}: the chunk's number
 * (see {@link #pages()}) and the offset in its page. An append never spans chunks; one larger than
 * a chunk gets a chunk of its own.
 *
 * <p>Memory: the pages, each reserved before it is made and returned by {@link #clear}.
 */
final class ChunkChains {
  /** The chunk size: small, so that a partly filled last chunk per chain wastes little. */
  static final int CHUNK_BYTES = 4 << 10;

  /** Returned by {@link #append} when memory is refused. */
  static final long NO_MEMORY = -1;

  /** The pages the chunks are carved from. */
  private final ByteArena arena;

  /** By chunk number: its page, and where it starts, ends (so far) and may end in the page. */
  private byte[][] pages = new byte[64][];

  private int[] starts = new int[64];
  private int[] ends = new int[64];
  private int[] limits = new int[64];
  private int chunkCount;

  /** By chain: its chunks' numbers in order. */
  private int[][] chainChunks = new int[0][];

  private int[] chainLength = new int[0];
  private int chains;

  ChunkChains(EngineResources resources) {
    this.arena = new ByteArena(resources.reservation, resources.plan.pageBytes());
  }

  /** Starts {@code count} empty chains; whatever was held must have been {@link #clear}ed. */
  void start(int count) {
    if (chainChunks.length < count) {
      int old = chainChunks.length;
      chainChunks = Arrays.copyOf(chainChunks, count);
      for (int c = old; c < count; c++) {
        chainChunks[c] = new int[4];
      }
      chainLength = new int[count];
    }
    Arrays.fill(chainLength, 0, count, 0);
    chains = count;
  }

  int chains() {
    return chains;
  }

  /**
   * Makes room for {@code bytes} more at the end of chain {@code chain}; returns their position, or
   * {@link #NO_MEMORY} if a new page was refused (nothing changed).
   */
  long append(int chain, int bytes) {
    int length = chainLength[chain];
    if (length > 0) {
      int last = chainChunks[chain][length - 1];
      int at = ends[last];
      if (at + bytes <= limits[last]) {
        ends[last] = at + bytes;
        return (long) last << 32 | at;
      }
    }
    int chunkBytes = Math.max(bytes, CHUNK_BYTES);
    long carved = arena.allocate(chunkBytes);
    if (carved == ByteArena.NO_MEMORY) {
      return NO_MEMORY;
    }
    int chunk = newChunk(arena.page(carved), arena.offset(carved), chunkBytes);
    if (length == chainChunks[chain].length) {
      chainChunks[chain] = Arrays.copyOf(chainChunks[chain], length * 2);
    }
    chainChunks[chain][length] = chunk;
    chainLength[chain] = length + 1;
    ends[chunk] = starts[chunk] + bytes;
    return (long) chunk << 32 | starts[chunk];
  }

  /** The page of a position: {@code pages()[position >>> 32]}, valid until the next append. */
  byte[][] pages() {
    return pages;
  }

  byte[] page(long position) {
    return pages[(int) (position >>> 32)];
  }

  static int offset(long position) {
    return (int) position;
  }

  /** How many chunks chain {@code chain} has. */
  int chunks(int chain) {
    return chainLength[chain];
  }

  /** The number of the {@code i}th chunk of chain {@code chain}. */
  int chunk(int chain, int i) {
    return chainChunks[chain][i];
  }

  /** Where chunk {@code chunk}'s bytes start in its page. */
  int chunkStart(int chunk) {
    return starts[chunk];
  }

  /** Where chunk {@code chunk}'s bytes end in its page. */
  int chunkEnd(int chunk) {
    return ends[chunk];
  }

  /** Bytes of pages held. */
  long reservedBytes() {
    return arena.reservedBytes();
  }

  /** Forgets every chain and returns the pages. */
  void clear() {
    Arrays.fill(pages, 0, chunkCount, null);
    chunkCount = 0;
    arena.reset();
    Arrays.fill(chainLength, 0, chains, 0);
    chains = 0;
  }

  private int newChunk(byte[] page, int start, int bytes) {
    if (chunkCount == pages.length) {
      int grown = chunkCount * 2;
      pages = Arrays.copyOf(pages, grown);
      starts = Arrays.copyOf(starts, grown);
      ends = Arrays.copyOf(ends, grown);
      limits = Arrays.copyOf(limits, grown);
    }
    pages[chunkCount] = page;
    starts[chunkCount] = start;
    ends[chunkCount] = start;
    limits[chunkCount] = start + bytes;
    return chunkCount++;
  }
}
