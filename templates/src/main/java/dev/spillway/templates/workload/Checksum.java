package dev.spillway.templates.workload;

/** The checksums of benchmarks/WORKLOADS.md. */
public final class Checksum {
  private long keys;
  private long sum;

  /** combine: S += mix64(k ^ mix64(s)). */
  public void addCombined(long key, long valueSum) {
    keys++;
    sum += Generator.mix64(key ^ Generator.mix64(valueSum));
  }

  /** group, skew: S += mix64(k ^ mix64(sum * 1000003 + count)). */
  public void addGroup(long key, long valueSum, long count) {
    keys++;
    sum += Generator.mix64(key ^ Generator.mix64(valueSum * 1000003L + count));
  }

  /** sort (order-sensitive): S += mix64(p ^ mix64(key at p)), p the output position. */
  public void addSorted(long key) {
    long p = keys++;
    sum += Generator.mix64(p ^ Generator.mix64(key));
  }

  /** A checksum summed elsewhere (in a pipeline's counters). */
  public static Checksum of(long keys, long sum) {
    Checksum c = new Checksum();
    c.keys = keys;
    c.sum = sum;
    return c;
  }

  public long outputKeys() {
    return keys;
  }

  public String value() {
    return Long.toUnsignedString(sum);
  }
}
