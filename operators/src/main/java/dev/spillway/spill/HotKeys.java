package dev.spillway.spill;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The hot keys of a group-by partition too big to load: keys holding at least {@link #HOT_SHARE} of
 * a sample of the partition's values. While the rest of the partition loads into the table, a hot
 * key's values go straight to {@link SpillableValues} of its own (spilled as they pass the budget),
 * so a partition that is big only because of one key is merged through the table instead of being
 * sorted: one read of the partition instead of a sort's write and two reads.
 *
 * <p>A hot key is known by its hash from the sample; the first key of that hash met while loading
 * becomes the hot key (two keys sharing a 32-bit hash in one partition are rare, and a wrong pick
 * costs speed only: the other key loads into the table). Each hot key's bytes are reserved from the
 * engine's budget while it is held.
 */
final class HotKeys {
  /** Pairs read to find hot keys, spread over the partition's segments. */
  static final int SAMPLE_PAIRS = 4096;

  /** The least share of the sample a key must hold to be isolated. */
  static final double HOT_SHARE = 0.25;

  private static final int MIN_SAMPLE_PER_SEGMENT = 256;

  private final EngineResources resources;

  /** Hashes of the sampled hot keys; a group is claimed for each by the first key met. */
  private int[] hotHashes = new int[0];

  private final List<Group> groups = new ArrayList<>();

  /** One hot key and its values. */
  static final class Group {
    final byte[] key;
    final int hash;
    final SpillableValues values;

    Group(byte[] key, int hash, SpillableValues values) {
      this.key = key;
      this.hash = hash;
      this.values = values;
    }
  }

  HotKeys(EngineResources resources) {
    this.resources = resources;
  }

  /**
   * Reads up to {@link #SAMPLE_PAIRS} pairs from the start of the segments (a share of each) and
   * adds the hashes, under {@code index}'s seed, of the keys holding {@link #HOT_SHARE} of them.
   * The sample's array is reserved from the budget while it lives; without room, nothing is sampled
   * and no key is hot.
   */
  void sample(List<SegmentLocation> segments, KeyIndex index) {
    long sampleBytes = 4L * SAMPLE_PAIRS;
    if (!resources.reservation.tryReserve(sampleBytes)) {
      return;
    }
    try {
      int[] hashes = new int[SAMPLE_PAIRS];
      int perSegment = Math.max(MIN_SAMPLE_PER_SEGMENT, SAMPLE_PAIRS / segments.size());
      int sampled = 0;
      for (SegmentLocation segment : segments) {
        try (SegmentReader reader = resources.open(segment)) {
          int hash = 0;
          for (int n = 0; n < perSegment && sampled < SAMPLE_PAIRS && reader.next(); n++) {
            if (!reader.sameKey()) {
              hash = index.hash(reader.keyArray(), reader.keyOffset(), reader.keyLength());
            }
            hashes[sampled++] = hash;
          }
        }
      }
      // Added to, not replacing, the keys made hot before (a partition's lone records' keys).
      add(frequent(hashes, sampled, (int) Math.ceil(sampled * HOT_SHARE)));
    } finally {
      resources.reservation.release(sampleBytes);
    }
  }

  /** The values occurring at least {@code least} times among {@code values[0, n)}. */
  private static int[] frequent(int[] values, int n, int least) {
    Arrays.sort(values, 0, n);
    int[] found = new int[0];
    for (int start = 0, i = 1; i <= n; i++) {
      if (i == n || values[i] != values[start]) {
        if (i - start >= least) {
          found = Arrays.copyOf(found, found.length + 1);
          found[found.length - 1] = values[start];
        }
        start = i;
      }
    }
    return found;
  }

  /** Makes the keys of {@code hashes} hot too (under the index's seed, as {@link #sample}'s). */
  void add(int[] hashes) {
    int n = hotHashes.length;
    hotHashes = Arrays.copyOf(hotHashes, n + hashes.length);
    System.arraycopy(hashes, 0, hotHashes, n, hashes.length);
  }

  boolean isEmpty() {
    return hotHashes.length == 0;
  }

  /**
   * The values of the key {@code key[offset, offset+length)} if it is a hot key (claiming the group
   * of its hash if no key has yet), else null.
   */
  SpillableValues find(byte[] key, int offset, int length, int hash) {
    for (int h : hotHashes) {
      if (h == hash) {
        return findClaimed(key, offset, length, hash);
      }
    }
    return null;
  }

  private SpillableValues findClaimed(byte[] key, int offset, int length, int hash) {
    // Indexed, not for-each: this runs once per record of a hot partition's key runs, and an
    // iterator per record was 4% of the skew workload (its allocation and first-touch faults).
    for (int i = 0; i < groups.size(); i++) {
      Group g = groups.get(i);
      if (g.hash == hash) {
        return Bytes.equal(g.key, 0, g.key.length, key, offset, length) ? g.values : null;
      }
    }
    if (!resources.reservation.tryReserve(length)) {
      return null; // no room for the key's bytes: it loads into the table like any other
    }
    Group g =
        new Group(
            Arrays.copyOfRange(key, offset, offset + length), hash, new SpillableValues(resources));
    groups.add(g);
    return g.values;
  }

  /** Spills every hot key's values held in memory; true if that freed any. */
  boolean spill() {
    boolean freed = false;
    for (Group g : groups) {
      freed |= g.values.spill();
    }
    return freed;
  }

  int size() {
    return groups.size();
  }

  Group group(int i) {
    return groups.get(i);
  }

  /** Forgets every hot key, deleting its values' file and returning its memory. */
  void clear() {
    for (Group g : groups) {
      g.values.clear();
      resources.reservation.release(g.key.length);
    }
    groups.clear();
    hotHashes = new int[0];
  }
}
