/** The aggregate job: parsing rows, exact sums and statistics per key, formatting results. */
package dev.spillway.templates.aggregate;
