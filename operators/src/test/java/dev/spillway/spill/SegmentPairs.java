package dev.spillway.spill;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What a segment holds, as the "[key]=[value]" pairs its reader returns, in order. */
final class SegmentPairs {
  private SegmentPairs() {}

  static List<String> read(EngineResources resources, SegmentLocation location) {
    List<String> out = new ArrayList<>();
    try (SegmentReader reader = resources.open(location)) {
      while (reader.next()) {
        out.add(
            Arrays.toString(
                    Arrays.copyOfRange(
                        reader.keyArray(),
                        reader.keyOffset(),
                        reader.keyOffset() + reader.keyLength()))
                + "="
                + Arrays.toString(
                    Arrays.copyOfRange(
                        reader.valueArray(),
                        reader.valueOffset(),
                        reader.valueOffset() + reader.valueLength())));
      }
    }
    return out;
  }
}
