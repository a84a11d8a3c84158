/** The synthetic workloads of {@code spillway generate} and the benchmarks, with checksums. */
package dev.spillway.templates.workload;
