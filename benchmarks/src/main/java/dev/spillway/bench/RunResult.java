package dev.spillway.bench;

/** What one system reports of one run, besides the time. */
record RunResult(long spills, long diskBytesSpilled, long memoryBytesSpilled,
    long peakMemoryBytes, Checksum checksum) {}
