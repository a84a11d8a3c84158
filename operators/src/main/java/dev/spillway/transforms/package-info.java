/**
 * Drop-in Beam transforms whose per-key state lives in the spilling engine: {@link
 * dev.spillway.transforms.SpillingCombine} for {@code Combine.perKey}, {@link
 * dev.spillway.transforms.SpillingGroupByKey} for {@code GroupByKey} (and {@code thenProcess} /
 * {@code thenProcessSorted} for groups larger than any heap), {@link
 * dev.spillway.transforms.SortValues} for the sorter extension's {@code SortValues}. Each gives the
 * built-in's output window for window; {@link dev.spillway.transforms.SpillOptions} or the
 * pipeline's {@link dev.spillway.transforms.SpillwayPipelineOptions} say how much memory and which
 * disks they may use.
 */
package dev.spillway.transforms;
