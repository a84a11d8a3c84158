package dev.spillway.spill;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.Test;

public class PageRecyclerTest {
  // Sizes no engine uses, so that engines of other tests in this JVM do not share the shelves.
  private static final int SIZE = PageRecycler.MIN_BYTES + 17;
  private static final int OTHER_SIZE = PageRecycler.MIN_BYTES + 19;

  @Test
  public void aGivenPageComesBackOnceForItsSizeOnly() {
    byte[] page = PageRecycler.take(SIZE);
    assertEquals(SIZE, page.length);
    PageRecycler.give(page);

    assertEquals(OTHER_SIZE, PageRecycler.take(OTHER_SIZE).length);
    assertSame(page, PageRecycler.take(SIZE));
    byte[] second = PageRecycler.take(SIZE);
    assertNotSame(page, second);
    assertEquals(SIZE, second.length);
  }

  @Test
  public void smallArraysAreNotKept() {
    byte[] small = new byte[PageRecycler.MIN_BYTES - 1];
    PageRecycler.give(small);
    assertNotSame(small, PageRecycler.take(small.length));
  }

  @Test
  public void theLastGivenPageComesBackFirst() {
    byte[] first = new byte[SIZE + 2];
    byte[] last = new byte[SIZE + 2];
    PageRecycler.give(first);
    PageRecycler.give(last);
    assertSame(last, PageRecycler.take(SIZE + 2));
    assertSame(first, PageRecycler.take(SIZE + 2));
  }

  /** No page is handed to two users at once, however many threads take and give. */
  @Test
  public void concurrentUsersNeverShareAPage() throws Exception {
    int size = SIZE + 4;
    Set<byte[]> inUse =
        Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(
            threads.submit(
                () -> {
                  List<byte[]> held = new ArrayList<>();
                  for (int i = 0; i < 20_000; i++) {
                    if (held.isEmpty() || ThreadLocalRandom.current().nextBoolean()) {
                      byte[] page = PageRecycler.take(size);
                      if (page.length != size || !inUse.add(page)) {
                        return "a page handed out twice or of the wrong size";
                      }
                      held.add(page);
                    } else {
                      byte[] page = held.remove(held.size() - 1);
                      inUse.remove(page);
                      PageRecycler.give(page);
                    }
                  }
                  return null;
                }));
      }
      for (Future<String> result : results) {
        assertNull(result.get());
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
