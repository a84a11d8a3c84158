package dev.spillway.bench;

import dev.spillway.templates.workload.Workload;
import java.nio.file.Path;

/** One run's parameters, from the command line. */
record WorkloadSpec(
    Workload workload,
    long records,
    long keys,
    long seed,
    long memoryMb,
    String codec,
    boolean encrypt,
    Path spillDirectory) {

  long memoryBytes() {
    return memoryMb << 20;
  }
}
