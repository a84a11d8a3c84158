package dev.spillway.templates.workload;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes a workload of benchmarks/WORKLOADS.md as a CSV file {@code key,value}: for combine, group
 * and skew the record's key and value; for sort the signed 64-bit key and the record index. Written
 * under a temporary name and renamed when complete.
 */
public final class WorkloadFile {
  private WorkloadFile() {}

  /** Writes the file; returns its size in bytes. */
  public static long write(Workload workload, long records, long keys, long seed, Path output)
      throws IOException {
    Path dir = output.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // Not Files.createTempFile: that makes the file 0600, and a data file is for others too
    // (the process's umask decides, as for any file a tool writes).
    Path tmp = dir.resolve("." + output.getFileName() + "-" + UUID.randomUUID() + ".inprogress");
    try {
      try (OutputStream out =
          new BufferedOutputStream(
              Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              1 << 16)) {
        out.write("key,value\n".getBytes(StandardCharsets.US_ASCII));
        byte[] line = new byte[48];
        for (long i = 0; i < records; i++) {
          long r = Generator.rand(seed, i);
          long key = Generator.key(workload, r, keys);
          long value = workload == Workload.SORT ? i : Generator.value(r);
          int n = putDecimal(line, 0, key);
          line[n++] = ',';
          n = putDecimal(line, n, value);
          line[n++] = '\n';
          out.write(line, 0, n);
        }
      }
      Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return Files.size(output);
  }

  /** Writes {@code v} in decimal at {@code pos}; returns the position after it. */
  private static int putDecimal(byte[] buf, int pos, long v) {
    if (v == Long.MIN_VALUE) {
      byte[] min = Long.toString(v).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(min, 0, buf, pos, min.length);
      return pos + min.length;
    }
    if (v < 0) {
      buf[pos++] = '-';
      v = -v;
    }
    int digits = 1;
    for (long t = v; t >= 10; t /= 10) {
      digits++;
    }
    for (int i = pos + digits - 1; i >= pos; i--) {
      buf[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return pos + digits;
  }
}
