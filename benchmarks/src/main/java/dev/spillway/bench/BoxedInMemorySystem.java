package dev.spillway.bench;

import dev.spillway.templates.workload.Checksum;
import dev.spillway.templates.workload.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Boxed Java collections ({@code HashMap<Long, Long>}, lists of {@code Integer}), no budget: what a
 * first program would do. Kept for comparison; {@link FastInMemorySystem} is the baseline.
 */
final class BoxedInMemorySystem implements WorkloadSystem {
  @Override
  public String name() {
    return "in-memory-boxed";
  }

  @Override
  public RunResult run(WorkloadSpec spec) {
    Checksum checksum = new Checksum();
    switch (spec.workload()) {
      case COMBINE:
        {
          Map<Long, Long> sums = new HashMap<>();
          for (long i = 0; i < spec.records(); i++) {
            long r = Generator.rand(spec.seed(), i);
            sums.merge(
                Generator.key(spec.workload(), r, spec.keys()),
                (long) Generator.value(r),
                Long::sum);
          }
          sums.forEach(checksum::addCombined);
          break;
        }
      case GROUP:
      case SKEW:
        {
          Map<Long, List<Integer>> groups = new HashMap<>();
          for (long i = 0; i < spec.records(); i++) {
            long r = Generator.rand(spec.seed(), i);
            groups
                .computeIfAbsent(
                    Generator.key(spec.workload(), r, spec.keys()), k -> new ArrayList<>())
                .add(Generator.value(r));
          }
          groups.forEach(
              (k, vs) -> {
                long sum = 0;
                for (int v : vs) {
                  sum += v;
                }
                checksum.addGroup(k, sum, vs.size());
              });
          break;
        }
      case SORT:
        {
          int n = Math.toIntExact(spec.records());
          long[][] records = new long[n][];
          for (int i = 0; i < n; i++) {
            long r = Generator.rand(spec.seed(), i);
            records[i] = new long[] {Generator.key(spec.workload(), r, spec.keys()), i};
          }
          Arrays.sort(records, (a, b) -> Long.compare(a[0], b[0]));
          for (long[] rec : records) {
            checksum.addSorted(rec[0]);
          }
          break;
        }
      default:
        throw new IllegalArgumentException(spec.workload().id());
    }
    return new RunResult(0, 0, 0, 0, checksum);
  }
}
