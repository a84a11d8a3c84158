package dev.spillway.bench;

/** Something that runs a workload: the engine, plain Java collections, later pipelines. */
interface WorkloadSystem {
  String name();

  RunResult run(WorkloadSpec spec) throws Exception;
}
