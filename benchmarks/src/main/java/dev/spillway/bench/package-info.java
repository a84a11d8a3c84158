/**
 * The benchmark harness: the workloads run by the engine, by in-memory baselines and as Beam
 * pipelines, with the figures BENCHMARKS.md reports.
 */
package dev.spillway.bench;
