/**
 * The spilling engine, with no Beam imports: keys and values are byte ranges. {@link
 * dev.spillway.spill.ExternalMerger} combines per key, {@link dev.spillway.spill.ExternalGroupBy}
 * groups per key (each key's values re-iterable from pages or spill segments), {@link
 * dev.spillway.spill.ExternalSorter} sorts, {@link dev.spillway.spill.SortedGroupBy} groups with
 * values sorted by a secondary key. Every engine draws on a shared {@link
 * dev.spillway.spill.MemoryPool} through exact reservations, spills checksummed, compressed and
 * optionally encrypted segments to private directories, and deletes every file it made when closed,
 * on failure, or at JVM exit. {@link dev.spillway.spill.ExchangeWriter}, {@link
 * dev.spillway.spill.ExchangeReader} and {@link dev.spillway.spill.BlockFile} move records between
 * tasks through files.
 */
package dev.spillway.spill;
