/** The {@code spillway} command line (picocli): one command per job, and {@code generate}. */
package dev.spillway.templates.cli;
