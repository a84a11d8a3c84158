package dev.spillway.spill;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many files an engine may hold open at once: a quarter of the descriptors this process has
 * left under its limit ({@code ulimit -n}), so that a merge's fan-in stays within it even beside
 * other engines and the JVM's own files. Unbounded where the JVM cannot tell.
 *
 * <p>On Linux the limit and the open descriptors are read from {@code /proc/self}: the operating
 * system bean that tells the same elsewhere loads the JVM's management classes, about 35 ms the
 * first time, which every short job of the command line would pay.
 */
final class OpenFileLimit {
  private static final Path LIMITS = Path.of("/proc/self/limits");
  private static final File DESCRIPTORS = new File("/proc/self/fd");

  private OpenFileLimit() {}

  static int allowance() {
    long left = descriptorsLeft();
    return left < 0 ? Integer.MAX_VALUE : (int) Math.max(0, Math.min(Integer.MAX_VALUE, left / 4));
  }

  /** Descriptors this process may still open, or -1 if unknown (or unlimited). */
  private static long descriptorsLeft() {
    long fromProc = descriptorsLeftFromProc();
    if (fromProc != -2) {
      return fromProc;
    }
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
      com.sun.management.UnixOperatingSystemMXBean unix =
          (com.sun.management.UnixOperatingSystemMXBean) os;
      return unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount();
    }
    return -1;
  }

  /** As {@link #descriptorsLeft}, from {@code /proc/self}; -2 where it cannot be read. */
  private static long descriptorsLeftFromProc() {
    if (!Files.isReadable(LIMITS)) {
      return -2;
    }
    try {
      for (String line : Files.readAllLines(LIMITS, StandardCharsets.US_ASCII)) {
        if (line.startsWith("Max open files")) {
          // "Max open files   <soft>   <hard>   files": the soft limit is the one enforced.
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          if (soft.equals("unlimited")) {
            return -1;
          }
          String[] open = DESCRIPTORS.list();
          return open == null ? -2 : Long.parseLong(soft) - open.length;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Fall back to the operating system bean.
    }
    return -2;
  }
}
