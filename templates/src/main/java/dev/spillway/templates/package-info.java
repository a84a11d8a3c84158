/**
 * The ready jobs of the {@code spillway} command line ({@code aggregate}, {@code group}, {@code
 * sort}) as Beam pipelines: their options, their set-up checks, and how their records are shuffled.
 */
package dev.spillway.templates;
