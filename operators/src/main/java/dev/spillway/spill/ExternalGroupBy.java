package dev.spillway.spill;

import dev.spillway.spill.v1.Layout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Groups values by key under a hard memory budget: PySpark's {@code ExternalGroupBy}, on encoded
 * keys and values kept in serialized pages.
 *
 * <ol>
 *   <li>Values are appended to their key's {@link ValueBlocks} in one in-memory table ({@link
 *       GroupTable}).
 *   <li>When the budget is reached, the table is written as one spill file with a segment per hash
 *       partition, a key's values in KEY_VALUES records; the table is emptied.
 *   <li>When a fill holds fewer than ten values a key (judged once it takes half the memory), the
 *       table is dropped for an {@link AppendBuffer}: (key, value) records go to their partition's
 *       pages and are spilled as they come, with no cache miss per record.
 *   <li>{@link #finish()} spills what is left and returns partition by partition. A partition whose
 *       spilled size fits the budget is loaded and its values sorted by key hash ({@link
 *       HashOrderedGroups}), and its groups returned; if the sort's arrays do not fit, it is loaded
 *       into the table instead.
 *   <li>A partition that does not fit because of a few hot keys ({@link HotKeys}: keys holding a
 *       quarter of a sample of its values) is loaded without them: each hot key's values go
 *       straight to {@link SpillableValues} of its own, returned after the table's groups.
 *   <li>A partition that does not fit otherwise (or whose load runs out of memory) is merged
 *       sorted: an {@link ExternalSorter} on the same budget orders its records by key bytes (the
 *       seed's {@code _merge_sorted_items}), and each key's values are gathered in {@link
 *       SpillableValues}, so a key with more values than the budget holds still comes out whole and
 *       re-iterable.
 * </ol>
 *
 * <p>Recursive repartitioning, which {@link ExternalMerger} uses, does not help here: grouping does
 * not shrink data, so a partition too big to load is merged sorted directly (as in the seed).
 *
 * <p>A record larger than the whole budget is written as a spill of its own, in its partition,
 * after what came before it; the partition then loads with the record's key hot (or merges sorted,
 * for a key larger than the budget), and the record is read back in its place in its key's values,
 * one array of its size.
 *
 * <pre>{@code
 * try (ExternalGroupBy groups = new ExternalGroupBy(SpillConfig.withBudget(64 << 20))) {
 *   groups.add(key, value);
 *   try (GroupCursor out = groups.finish()) {
 *     while (out.next()) {
 *       ValueCursor values = out.values().cursor();
 *       while (values.next()) { use(values.array(), values.offset(), values.length()); }
 *     }
 *   }
 * }
 * }</pre>
 */
public final class ExternalGroupBy implements SpillingEngine {
  private static final long SEED = KeyHasher.mix64(0x6A0B_5EEDL);

  /**
   * The table must hold ten values a key to pay: grouping does not shrink data, so the table's only
   * gain is writing a key once per run of values, which a cache miss per record outweighs.
   */
  private static final double MIN_REDUCTION = 0.9;

  private final EngineResources resources;
  private final GroupTable table;
  private final int partitions;
  private final SpillSet spills;

  /**
   * Non-null once the table stopped paying (a fill held nearly one key per value): input is then
   * appended to per-partition pages as it comes and spilled as KEY_VALUE records.
   */
  private AppendBuffer appendBuffer;

  private final TableJudge judge = new TableJudge(MIN_REDUCTION);
  private boolean finished;

  /** The partitions that hold records spilled alone (larger than memory), by partition. */
  private final Map<Integer, LoneRecords> lone = new HashMap<>();

  /** A group-by within {@code config}'s budget, spilling hash partitions to its disks. */
  public ExternalGroupBy(SpillConfig config) {
    this.resources = new EngineResources(config);
    try {
      this.table = new GroupTable(resources);
      this.partitions = config.partitions();
      this.spills = new SpillSet(resources, partitions);
      table.reset(SEED);
      startFill();
      resources.spillOnDemand(this::spillOnDemand);
    } catch (RuntimeException e) {
      resources.close();
      throw e;
    }
  }

  /** Adds a value to {@code key}'s group; the arrays may be reused once this returns. */
  public void add(byte[] key, byte[] value) {
    add(key, 0, key.length, value, 0, value.length);
  }

  /** As {@link #add(byte[], byte[])}, for ranges of arrays. */
  public void add(byte[] key, int kOff, int kLen, byte[] value, int vOff, int vLen) {
    resources.checkAdding("group-by", finished);
    int hash = table.index().hash(key, kOff, kLen);
    if (!tryAdd(key, kOff, kLen, hash, value, vOff, vLen)) {
      resources.makeRoom(
          () -> tryAdd(key, kOff, kLen, hash, value, vOff, vLen),
          this::spill,
          () -> table.shrink(SEED),
          kLen + vLen,
          () -> spillAlone(key, kOff, kLen, hash, value, vOff, vLen));
    }
  }

  /**
   * Writes a record that no memory could hold as a spill of its own, in its partition, after the
   * spills of everything added before it: its partition's output then reads it where it was added.
   */
  private void spillAlone(
      byte[] key, int kOff, int kLen, int hash, byte[] value, int vOff, int vLen) {
    resources.recordLargeRecord();
    SegmentLocation segment = spills.writeAlone(hash, key, kOff, kLen, value, vOff, vLen);
    lone.computeIfAbsent(HashPartitions.of(hash, partitions), p -> new LoneRecords())
        .add(hash, segment);
  }

  /**
   * The records of one partition that were spilled alone: their keys' hashes (under {@link #SEED})
   * and their segments. The partition loads with those keys hot, their values gathered apart, so
   * that one record larger than memory does not send the rest of the partition to the sorted merge.
   */
  private static final class LoneRecords {
    int[] hashes = new int[0];
    final Set<SegmentLocation> segments = new HashSet<>();

    void add(int hash, SegmentLocation segment) {
      hashes = Arrays.copyOf(hashes, hashes.length + 1);
      hashes[hashes.length - 1] = hash;
      segments.add(segment);
    }
  }

  private boolean tryAdd(
      byte[] key, int kOff, int kLen, int hash, byte[] value, int vOff, int vLen) {
    if (appendBuffer != null) {
      return appendBuffer.add(key, kOff, kLen, hash, value, vOff, vLen);
    }
    judge.countRecord();
    if (!table.add(key, kOff, kLen, hash, value, vOff, vLen)) {
      return false;
    }
    if (judge.stopsPayingMidFill(resources.recordBytes(), table.size())) {
      spill();
    }
    return true;
  }

  /** Ends the input and returns every key once with all its values. Can be called once. */
  public GroupCursor finish() {
    resources.checkFinishing("group-by", finished);
    finished = true;
    boolean crowded = resources.leaveRoomForFusedEngines();
    if (spills.isEmpty() && !crowded) {
      return new Output(false);
    }
    spill();
    if (appendBuffer != null) {
      appendBuffer.release();
      appendBuffer = null;
    }
    return new Output(true);
  }

  /** While input is taken: spills it and gives back the table's arrays. */
  private void spillOnDemand() {
    if (!finished) {
      spill();
      table.shrink(SEED);
    }
  }

  /** A new fill of the table, judged again when its records take half the memory or 32 MiB. */
  private void startFill() {
    judge.startEngineFill(resources.reservation.fairShare() - resources.plan.ioBytes());
  }

  /** For tests: whether input now goes to the append buffer. */
  boolean appending() {
    return appendBuffer != null;
  }

  @Override
  public SpillStats stats() {
    return resources.stats();
  }

  /** Deletes every spill file and returns all memory. Idempotent. */
  @Override
  public void close() {
    resources.close();
  }

  /**
   * Writes the buffered input as one spill file and empties the buffer. When the table just spilled
   * stopped paying ({@link TableJudge}), it is dropped for an {@link AppendBuffer} for the rest of
   * the input.
   */
  private void spill() {
    if (appendBuffer != null) {
      if (appendBuffer.size() > 0) {
        spills.write(Layout.LAYOUT_KEY_VALUE, appendBuffer.recordBytes(), appendBuffer::spillTo);
      }
      return;
    }
    int keys = table.size();
    if (keys == 0) {
      return;
    }
    spills.write(Layout.LAYOUT_KEY_VALUES, table.recordBytes(), this::writeTable);
    table.reset(SEED);
    if (judge.stopsPaying(keys)) {
      table.shrink(SEED);
      appendBuffer = new AppendBuffer(resources, resources.reservation.fairShare());
    }
    startFill();
  }

  /** Writes each key with its values as KEY_VALUES records, partition by partition. */
  private void writeTable(PartitionedSpillWriter writer) {
    KeyIndex index = table.index();
    writer.writeEntries(
        index,
        (out, id) -> {
          out.startKey(index.keyArray(id), index.keyOffset(id), index.keyLength(id));
          ValueCursor values = table.values(id);
          while (values.next()) {
            out.appendValue(values.array(), values.offset(), values.length());
          }
        });
  }

  /** The memory a partition would take in the table: an upper bound from its segments. */
  private static long loadedSize(List<SegmentLocation> segments) {
    long bytes = 0;
    for (SegmentLocation s : segments) {
      bytes += s.rawBytes() + 8 * s.pairs() + s.records() * (KeyIndex.BYTES_PER_ENTRY + 24);
    }
    return bytes;
  }

  private final class Output implements GroupCursor {
    private final boolean spilled;
    private int partition = -1;
    private int nextEntry;
    private final HotKeys hotKeys = new HotKeys(resources);
    private final HashOrderedGroups hashOrdered =
        new HashOrderedGroups(resources, resources.config.hasher(), SEED);
    private boolean hashOrderedMode;

    /** In table mode, after the table's groups: the next hot key to return. */
    private int nextHot;

    private boolean tableMode;
    private SortedKeyGroups sorted;
    private byte[] keyArray;
    private int keyOffset;
    private int keyLength;
    private GroupValues values;
    private boolean closed;

    Output(boolean spilled) {
      this.spilled = spilled;
      this.tableMode = !spilled;
    }

    @Override
    public boolean next() {
      if (closed) {
        throw new IllegalStateException("the output cursor is closed");
      }
      while (true) {
        if (tableMode && nextEntry < table.size()) {
          fromTable(nextEntry++);
          return true;
        }
        if (tableMode && nextHot < hotKeys.size()) {
          fromHotKey(nextHot++);
          return true;
        }
        if (hashOrderedMode) {
          if (hashOrdered.next()) {
            keyArray = hashOrdered.keyArray();
            keyOffset = hashOrdered.keyOffset();
            keyLength = hashOrdered.keyLength();
            values = hashOrdered.values();
            return true;
          }
          hashOrderedMode = false;
        }
        if (sorted != null) {
          if (sorted.next()) {
            keyArray = sorted.keyArray();
            keyOffset = 0;
            keyLength = sorted.keyLength();
            values = sorted.values;
            return true;
          }
          sorted.close();
          sorted = null;
        }
        tableMode = false;
        if (!spilled || ++partition == partitions) {
          return false;
        }
        load();
      }
    }

    private void fromTable(int id) {
      KeyIndex index = table.index();
      keyArray = index.keyArray(id);
      keyOffset = index.keyOffset(id);
      keyLength = index.keyLength(id);
      long count = table.count(id);
      values =
          new GroupValues() {
            @Override
            public long count() {
              return count;
            }

            @Override
            public ValueCursor cursor() {
              return table.values(id);
            }
          };
    }

    /** Returns a hot key's group, first freeing the previous one's values (no longer valid). */
    private void fromHotKey(int i) {
      if (i > 0) {
        hotKeys.group(i - 1).values.clear();
      }
      HotKeys.Group hot = hotKeys.group(i);
      keyArray = hot.key;
      keyOffset = 0;
      keyLength = hot.key.length;
      values = hot.values;
    }

    private void load() {
      if (partition == 0) {
        table.shrink(SEED); // the input's table: give its arrays to the loads
      } else {
        table.reset(SEED);
      }
      hotKeys.clear();
      hashOrdered.clear();
      List<SegmentLocation> segments = spills.segmentsOf(partition);
      if (segments.isEmpty()) {
        return;
      }
      long available =
          resources.reservation.fairShare() - resources.plan.ioBytes() - table.index().bytes();
      LoneRecords loneRecords = lone.get(partition);
      boolean fits;
      if (loneRecords == null) {
        if (HashOrderedGroups.fits(segments, resources.plan.pageBytes(), available)
            && hashOrdered.load(segments)) {
          hashOrderedMode = true;
          return;
        }
        hashOrdered.release();
        fits = loadedSize(segments) <= available;
      } else {
        // The lone records' keys are hot: their values, the lone ones with them, go to
        // SpillableValues, so the partition fits if the rest of it does.
        hotKeys.add(loneRecords.hashes);
        List<SegmentLocation> rest = new ArrayList<>(segments);
        rest.removeAll(loneRecords.segments);
        fits = loadedSize(rest) <= available;
      }
      if (!fits) {
        hotKeys.sample(segments, table.index());
      }
      if ((fits || !hotKeys.isEmpty()) && loadIntoTable(segments)) {
        resources.recordHotKeys(hotKeys.size());
        tableMode = true;
        nextEntry = 0;
        nextHot = 0;
        return;
      }
      hotKeys.clear();
      table.shrink(SEED);
      sorted =
          new SortedKeyGroups(
              ExternalSorter.sortSegments(resources, segments), KeyRuns.KeyPart.WHOLE, resources);
    }

    /**
     * Loads the segments into the table, hot keys' values into their own {@link SpillableValues};
     * false if memory ran out even with the hot keys' values spilled (the caller then sorts).
     */
    private boolean loadIntoTable(List<SegmentLocation> segments) {
      KeyIndex index = table.index();
      for (SegmentLocation segment : segments) {
        try (SegmentReader reader = resources.open(segment)) {
          int hash = 0;
          SpillableValues hot = null;
          while (reader.next()) {
            byte[] k = reader.keyArray();
            int ko = reader.keyOffset();
            int kl = reader.keyLength();
            byte[] v = reader.valueArray();
            int vo = reader.valueOffset();
            int vl = reader.valueLength();
            if (!reader.sameKey()) {
              hash = index.hash(k, ko, kl);
              hot = hotKeys.find(k, ko, kl, hash);
            }
            boolean added =
                hot != null
                    ? hot.tryAdd(v, vo, vl)
                        || (hotKeys.spill() && hot.tryAdd(v, vo, vl))
                        || addAlone(hot, v, vo, vl)
                    : table.add(k, ko, kl, hash, v, vo, vl)
                        || (hotKeys.spill() && table.add(k, ko, kl, hash, v, vo, vl));
            if (!added) {
              return false;
            }
          }
        }
      }
      return true;
    }

    /** Writes a hot key's value that no memory could hold by itself; false for any other. */
    private boolean addAlone(SpillableValues hot, byte[] v, int vo, int vl) {
      if (!resources.neverFits(vl)) {
        return false;
      }
      hot.addAlone(v, vo, vl);
      return true;
    }

    @Override
    public byte[] keyArray() {
      return keyArray;
    }

    @Override
    public int keyOffset() {
      return keyOffset;
    }

    @Override
    public int keyLength() {
      return keyLength;
    }

    @Override
    public GroupValues values() {
      return values;
    }

    /** Ends the output early or late: deletes every spill file. */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        hotKeys.clear();
        hashOrdered.release();
        if (sorted != null) {
          sorted.close();
        }
      } finally {
        resources.close();
      }
    }
  }
}
