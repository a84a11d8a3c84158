package dev.spillway.spill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.spillway.transforms.SpillMetrics;
import dev.spillway.transforms.SpillOptions;
import dev.spillway.transforms.SpillingCombine;
import dev.spillway.transforms.SpillingGroupByKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.values.KV;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The endurance run: engines and pipelines back to back for {@code -Dsoak.minutes} (default 3) with
 * random budgets, inputs, codecs, encryption and injected full disks, every result checked against
 * an in-memory model; heap (after GC) and open files must stay flat and no spill file may remain.
 * Not part of the default build: {@code mvn -pl runner-tests verify -Psoak}. Writes its figures to
 * {@code runner-tests/target/soak-report.txt}.
 */
public class SoakTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private long runs;
  private long pipelines;
  private long records;
  private long spills;
  private long faultsInjected;
  private long faultFailures;

  @Test
  public void soak() throws Exception {
    double minutes = Double.parseDouble(System.getProperty("soak.minutes", "3"));
    long seed = Long.getLong("soak.seed", 20261130L);
    Path root = tmp.newFolder("spill").toPath();
    Random random = new Random(seed);
    long deadline = System.nanoTime() + (long) (minutes * 60e9);
    // Warm up once so that class loading and JIT do not count as growth.
    engineRun(new Random(1), root);
    pipelineRun(new Random(2), root);
    long heapBefore = heapAfterGc();
    long filesBefore = openFiles();
    while (System.nanoTime() < deadline) {
      if (random.nextInt(8) == 0) {
        pipelineRun(random, root);
      } else {
        engineRun(random, root);
      }
      assertEquals("spill files left after run " + runs, List.of(), leftovers(root));
    }
    long heapAfter = heapAfterGc();
    long filesAfter = openFiles();
    String report =
        String.format(
            Locale.ROOT,
            "soak: %.1f minutes, seed %d: %,d runs (%,d pipelines), %,d records, %,d spills,"
                + " %,d faults injected (%,d runs failed cleanly on them), records lost: 0,"
                + " heap after GC %,d -> %,d bytes, open files %d -> %d, spill files left: %d%n",
            minutes,
            seed,
            runs,
            pipelines,
            records,
            spills,
            faultsInjected,
            faultFailures,
            heapBefore,
            heapAfter,
            filesBefore,
            filesAfter,
            leftovers(root).size());
    System.out.print(report);
    Files.writeString(Paths.get("target", "soak-report.txt"), report);
    assertTrue("heap grew: " + report, heapAfter < heapBefore + (64L << 20));
    assertTrue("open files grew: " + report, filesAfter <= filesBefore + 4);
  }

  /** One engine on random input, maybe with a disk that fills up; checked against a model. */
  private void engineRun(Random random, Path root) {
    runs++;
    String engine = ModelRuns.ENGINES[random.nextInt(ModelRuns.ENGINES.length)];
    int n = 10_000 + random.nextInt(300_000);
    int keySpace = 1 + random.nextInt(random.nextBoolean() ? 1_000 : 200_000);
    SpillConfig config =
        SpillConfig.withBudget((64 << 10) + random.nextInt(4 << 20))
            .withSpillDirectories(List.of(root))
            .withCodec(CompressionCodec.values()[random.nextInt(CompressionCodec.values().length)])
            .withEncryption(random.nextInt(4) == 0);
    boolean fault = random.nextInt(5) == 0;
    if (fault) {
      faultsInjected++;
      long capacity = random.nextInt(2 << 20);
      AtomicLong used = new AtomicLong();
      config =
          config.withFaults(
              (file, bytes) -> {
                if (used.addAndGet(bytes) > capacity) {
                  throw new IOException("No space left on device (injected)");
                }
              });
    }
    long recordSeed = random.nextLong();
    try {
      spills += ModelRuns.run(engine, config, recordSeed, n, keySpace).spillCount();
      records += n;
    } catch (UncheckedIOException e) {
      if (!fault || !String.valueOf(e.getMessage()).contains("No space left on device")) {
        throw e;
      }
      faultFailures++;
    }
  }

  static final Map<String, Long> RESULTS = new ConcurrentHashMap<>();

  static final class Collect extends DoFn<KV<String, Long>, Void> {
    @ProcessElement
    public void process(@Element KV<String, Long> kv) {
      if (RESULTS.put(kv.getKey(), kv.getValue()) != null) {
        throw new AssertionError("key " + kv.getKey() + " came out twice");
      }
    }
  }

  static final class SumGroup extends DoFn<KV<String, Iterable<Long>>, KV<String, Long>> {
    @ProcessElement
    public void process(
        @Element KV<String, Iterable<Long>> g, OutputReceiver<KV<String, Long>> out) {
      long s = 0;
      for (long v : g.getValue()) {
        s += v;
      }
      out.output(KV.of(g.getKey(), s));
    }
  }

  /** A combine or group pipeline on the DirectRunner, checked against a model. */
  private void pipelineRun(Random random, Path root) {
    runs++;
    pipelines++;
    int n = 5_000 + random.nextInt(40_000);
    int keySpace = 1 + random.nextInt(5_000);
    List<KV<String, Long>> data = new ArrayList<>(n);
    Map<String, Long> model = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String k = "k" + random.nextInt(keySpace);
      long v = random.nextInt(1000);
      data.add(KV.of(k, v));
      model.merge(k, v, Long::sum);
    }
    SpillOptions options =
        SpillOptions.create()
            .withMemoryBudgetBytes((96 << 10) + random.nextInt(2 << 20))
            .withSpillDirectories(List.of(root.toString()))
            .withSpillEncryption(random.nextBoolean());
    DirectOptions o = PipelineOptionsFactory.as(DirectOptions.class);
    o.setRunner(DirectRunner.class);
    Pipeline p = Pipeline.create(o);
    var in =
        p.apply(Create.of(data).withCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
    var sums =
        random.nextBoolean()
            ? in.apply(
                SpillingCombine.<String, Long, Long>perKey(Sum.ofLongs()).withOptions(options))
            : in.apply(SpillingGroupByKey.<String, Long>create().withOptions(options))
                .apply(ParDo.of(new SumGroup()));
    sums.apply(ParDo.of(new Collect()));
    RESULTS.clear();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    if (!model.equals(new HashMap<>(RESULTS))) {
      throw new AssertionError("a pipeline lost or changed records");
    }
    spills += SpillMetrics.total(result, SpillMetrics.SPILL_COUNT);
    records += n;
  }

  private static List<String> leftovers(Path root) {
    try (Stream<Path> all = Files.walk(root)) {
      List<String> out = new ArrayList<>();
      all.filter(p -> !p.equals(root)).forEach(p -> out.add(p.toString()));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long openFiles() {
    try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      return -1;
    }
  }
}
