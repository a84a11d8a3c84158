package dev.spillway.templates.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The job's hidden work directory, as the steps that write into it see it: made by the job's
 * launcher before the pipeline runs and deleted when it ends, never made by a step, so that a
 * bundle still running after a job failed cannot leave a new one behind.
 */
public final class WorkDirectory {
  private WorkDirectory() {}

  /** {@code name} as a path, which must be a directory that exists. */
  public static Path existing(String name) throws IOException {
    Path dir = Paths.get(name);
    if (!Files.isDirectory(dir)) {
      throw new IOException("the job's work directory " + dir + " does not exist: the job's"
          + " launcher makes it before the pipeline runs and deletes it when the job ends (on a"
          + " cluster it must be on a filesystem every worker shares)");
    }
    return dir;
  }
}
