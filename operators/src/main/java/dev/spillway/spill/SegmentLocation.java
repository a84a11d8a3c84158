package dev.spillway.spill;

import java.nio.file.Path;

/**
 * Where one segment lies and what it holds, kept in memory by the engine that wrote it (the spill
 * file's index).
 *
 * @param pairs (key, value) pairs: the header's record count
 * @param records protobuf records: about the distinct keys of a KEY_VALUES segment
 * @param rawBytes the blocks' bytes before compression
 */
record SegmentLocation(
    Path file, long offset, long length, long pairs, long records, long rawBytes) {}
