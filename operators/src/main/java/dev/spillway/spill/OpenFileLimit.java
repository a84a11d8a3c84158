package dev.spillway.spill;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * How many files an engine may hold open at once: a quarter of the descriptors this process has
 * left under its limit ({@code ulimit -n}), so that a merge's fan-in stays within it even beside
 * other engines and the JVM's own files. Unbounded where the JVM cannot tell.
 */
final class OpenFileLimit {
  private OpenFileLimit() {}

  static int allowance() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
      com.sun.management.UnixOperatingSystemMXBean unix =
          (com.sun.management.UnixOperatingSystemMXBean) os;
      long left = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount();
      return (int) Math.max(0, Math.min(Integer.MAX_VALUE, left / 4));
    }
    return Integer.MAX_VALUE;
  }
}
