package dev.spillway.templates.sort;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;

/** Keys each element by its key range, given the ranges' bounds and the element's sort key. */
public final class AssignRangeFn<T> extends DoFn<T, KV<Integer, T>> {
  private static final long serialVersionUID = 1L;

  private final ArrayList<byte[]> bounds;
  private final SerializableFunction<T, byte[]> sortKey;

  public AssignRangeFn(List<byte[]> bounds, SerializableFunction<T, byte[]> sortKey) {
    this.bounds = new ArrayList<>(bounds);
    this.sortKey = sortKey;
  }

  @ProcessElement
  public void process(@Element T element, OutputReceiver<KV<Integer, T>> out) {
    out.output(KV.of(RangeBounds.rangeOf(bounds, sortKey.apply(element)), element));
  }
}
