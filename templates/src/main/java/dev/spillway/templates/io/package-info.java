/**
 * Reading and writing the jobs' files: CSV lines split into byte ranges, headers, bad-record
 * reporting with line numbers, parts written whole, the work directory and progress.
 */
package dev.spillway.templates.io;
