package dev.spillway.bench;

import dev.spillway.templates.workload.Checksum;

/** What one system reports of one run, besides the time. */
record RunResult(
    long spills,
    long diskBytesSpilled,
    long memoryBytesSpilled,
    long peakMemoryBytes,
    Checksum checksum) {}
