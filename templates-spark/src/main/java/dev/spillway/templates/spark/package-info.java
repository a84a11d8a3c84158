/**
 * The {@code spillway} command line's Spark runner plugin, in a module of its own so that the
 * command line carries Spark's jars only when this module is on its class path (found through
 * {@link java.util.ServiceLoader}).
 */
package dev.spillway.templates.spark;
