package dev.spillway.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collection;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.NonMergingWindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;
import org.joda.time.Instant;

/**
 * A user's own non-merging {@code WindowFn} whose windows are not intervals, for events in {@code
 * [0, 1000)} ms: each element goes into the window of its half second and its 100 ms bucket's
 * parity (the even buckets of the first half, say), and into the window of all; so windows have
 * their own class and coder, each element is in two, and the first half's windows end while the
 * second half's elements are still on their way.
 */
public final class ParityWindows extends NonMergingWindowFn<Object, ParityWindows.Parity> {
  private static final long serialVersionUID = 1L;

  /** A window: half second and parity, or {@link #ALL} for the window of every element. */
  public static final class Parity extends BoundedWindow {
    static final int ALL = -1;

    private final int half;
    private final int parity;

    Parity(int half, int parity) {
      this.half = half;
      this.parity = parity;
    }

    /** The window of the element at {@code timestamp} ms, other than {@link #all}. */
    static Parity of(long timestamp) {
      return new Parity((int) (timestamp / 500), (int) (timestamp / 100 % 2));
    }

    static Parity all() {
      return new Parity(ALL, ALL);
    }

    /** The end of its half second; after every element for the window of all. */
    @Override
    public Instant maxTimestamp() {
      return new Instant(half == ALL ? 999 : half * 500L + 499);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Parity && ((Parity) o).half == half && ((Parity) o).parity == parity;
    }

    @Override
    public int hashCode() {
      return 31 * half + parity;
    }

    @Override
    public String toString() {
      return half == ALL ? "Parity[all]" : "Parity[half " + half + ", parity " + parity + "]";
    }
  }

  @Override
  public Collection<Parity> assignWindows(AssignContext c) {
    long t = c.timestamp().getMillis();
    if (t < 0 || t >= 1_000) {
      throw new IllegalArgumentException("ParityWindows are for times in [0, 1000) ms, not " + t);
    }
    return List.of(Parity.of(t), Parity.all());
  }

  @Override
  public boolean isCompatible(WindowFn<?, ?> other) {
    return other instanceof ParityWindows;
  }

  @Override
  public Coder<Parity> windowCoder() {
    return new ParityCoder();
  }

  @Override
  public WindowMappingFn<Parity> getDefaultWindowMappingFn() {
    throw new UnsupportedOperationException("ParityWindows are not for side inputs");
  }

  /** Half and parity as variable-length integers: deterministic. */
  static final class ParityCoder extends AtomicCoder<Parity> {
    @Override
    public void encode(Parity window, OutputStream out) throws IOException {
      VarIntCoder.of().encode(window.half, out);
      VarIntCoder.of().encode(window.parity, out);
    }

    @Override
    public Parity decode(InputStream in) throws IOException {
      return new Parity(VarIntCoder.of().decode(in), VarIntCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
