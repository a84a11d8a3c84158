package dev.spillway.transforms;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.spillway.spill.ExternalSorter;
import dev.spillway.spill.OrderedBytes;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * An engine whose DoFn the runner drops mid-bundle without {@code @Teardown} (as Flink does with
 * the attempts it cancels) is closed once the DoFn is collected: its files go, its memory returns.
 * So are the blocks a spooling merge step ({@link SpooledMergeFn}) holds for a window not yet
 * ended.
 */
public class EngineFnCleanupTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void teardownClosesTheBundlesEngine() throws IOException {
    Path dir = tmp.newFolder().toPath();
    SortingFn fn = spilledMidBundle(dir);
    fn.teardown();
    assertEquals(0, entries(dir));
  }

  @Test
  public void aDroppedDoFnsEngineIsClosedByTheCleaner() throws Exception {
    Path dir = tmp.newFolder().toPath();
    spilledMidBundle(dir); // dropped at once: no finishBundle, no teardown
    PipelineAsserts.awaitEmptyCollectingGarbage(dir, 30_000);
  }

  @Test
  public void teardownDeletesTheSpooledBlocks() throws IOException {
    Path dir = tmp.newFolder().toPath();
    SpooledMergeFn<String> fn = spooledTwoBlocks(dir);
    fn.teardown();
    assertEquals(0, entries(dir));
  }

  @Test
  public void aDroppedSpoolingDoFnsBlocksAreDeletedByTheCleaner() throws Exception {
    Path dir = tmp.newFolder().toPath();
    spooledTwoBlocks(dir); // dropped at once: no timer fired, no teardown
    PipelineAsserts.awaitEmptyCollectingGarbage(dir, 30_000);
  }

  /** A spooling merge step set up, with two blocks of one shard spooled into {@code dir}. */
  private static SpooledMergeFn<String> spooledTwoBlocks(Path dir) throws IOException {
    SpillOptions options =
        SpillOptions.create()
            .withMemoryBudgetBytes(128 << 10)
            .withSpillDirectories(List.of(dir.toString()));
    SpooledMergeFn<String> fn = new SpooledMergeFn<>(new NoMerge(options), options);
    fn.setup();
    fn.startBundle(PipelineOptionsFactory.create());
    Timer timer =
        (Timer)
            Proxy.newProxyInstance(
                Timer.class.getClassLoader(), new Class<?>[] {Timer.class}, (t, m, a) -> null);
    fn.processElement(KV.of(7, new byte[] {1, 2, 3}), GlobalWindow.INSTANCE, timer);
    fn.processElement(KV.of(7, new byte[] {4, 5}), GlobalWindow.INSTANCE, timer);
    assertEquals("a directory and its two block files", 3, entries(dir));
    return fn;
  }

  /** A merge step for {@link SpooledMergeFn} to wrap; these tests fire no timer to call it. */
  static final class NoMerge extends ShuffleStepFn<String, KV<Integer, Iterable<byte[]>>, String> {
    NoMerge(SpillOptions options) {
      super(
          StringUtf8Coder.of(),
          Windowing.of(
              "NoMerge", WindowingStrategy.globalDefault(), RunnerGrouping.FLINK_DATASTREAM),
          options);
    }
  }

  /** A DoFn set up, in a bundle whose engine has spilled into {@code dir}. */
  private static SortingFn spilledMidBundle(Path dir) throws IOException {
    SortingFn fn =
        new SortingFn(
            SpillOptions.create()
                .withMemoryBudgetBytes(128 << 10)
                .withSpillDirectories(List.of(dir.toString())));
    fn.setup();
    fn.startBundle(PipelineOptionsFactory.create());
    for (long i = 0; i < 50_000; i++) {
      fn.engine().add(OrderedBytes.encodeLong(i * 0x9E3779B97F4A7C15L), new byte[8]);
    }
    assertTrue("the engine spilled", fn.engine().stats().spillCount() > 0);
    assertTrue(entries(dir) > 0);
    return fn;
  }

  private static long entries(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(p -> !p.equals(dir)).count();
    }
  }

  /** The smallest EngineFn: a sorter per bundle. */
  static final class SortingFn extends EngineFn<String, String, String, ExternalSorter> {
    SortingFn(SpillOptions options) {
      super(
          StringUtf8Coder.of(),
          Windowing.of("SortingFn", WindowingStrategy.globalDefault(), RunnerGrouping.GATHERED),
          options);
    }

    @Override
    ExternalSorter newEngine() {
      return new ExternalSorter(options.toConfig());
    }
  }
}
