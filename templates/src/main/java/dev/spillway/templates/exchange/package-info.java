/**
 * The jobs' shuffle through files on the DirectRunner: producers write records per partition,
 * consumers merge each partition, only file names cross the runner.
 */
package dev.spillway.templates.exchange;
