/** The sort job: sampled range bounds, a range per task, each sorted externally. */
package dev.spillway.templates.sort;
