package dev.spillway.templates.io;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.FileBasedSource;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * One input file as a Beam {@link FileBasedSource}, each line parsed into a record: runners split
 * it by byte ranges and read the pieces in parallel (a line belongs to the range in which it
 * starts, as in Beam's TextIO), and the DirectRunner reads it as a primitive read.
 *
 * <p>A line the parser rejects fails the read with a {@link BadRecordException} naming the file and
 * line number, or, with {@code skipBadRecords}, is counted in {@code spillway-job/badRecords} and
 * the first ten of each range are reported on stderr. Line numbers are counted only for a reported
 * line, so the normal path reads each byte once.
 *
 * <p>Runners may split a reader's range while it reads (the DirectRunner does, which keeps its
 * bundles small), so both kinds of counting wait until a line is known to be in the range: a record
 * once the tracker has accepted it (the next is asked for), a skipped line once a later record is
 * accepted or, at the end, if it lies before the range's final end.
 */
public final class LineSource<T> extends FileBasedSource<T> {
  private static final long serialVersionUID = 1L;
  private static final long MIN_BUNDLE_BYTES = 8L << 20;

  private final int fileIndex;
  private final Csv csv;
  private final Header header;
  private final LineParser<T> parser;
  private final Coder<T> coder;
  private final boolean skipBadRecords;

  private LineSource(
      MatchResult.Metadata file,
      long start,
      long end,
      int fileIndex,
      Csv csv,
      Header header,
      LineParser<T> parser,
      Coder<T> coder,
      boolean skipBadRecords) {
    super(file, MIN_BUNDLE_BYTES, start, end);
    this.fileIndex = fileIndex;
    this.csv = csv;
    this.header = header;
    this.parser = parser;
    this.coder = coder;
    this.skipBadRecords = skipBadRecords;
  }

  /** The whole of input file {@code fileIndex}, {@code path}. */
  public static <T> LineSource<T> of(
      String path,
      int fileIndex,
      Csv csv,
      Header header,
      LineParser<T> parser,
      Coder<T> coder,
      boolean skipBadRecords) {
    MatchResult.Metadata file;
    try {
      file = FileSystems.matchSingleFileSpec(path);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot open input " + path + ": " + e.getMessage(), e);
    }
    return new LineSource<>(
        file, 0, Long.MAX_VALUE, fileIndex, csv, header, parser, coder, skipBadRecords);
  }

  @Override
  protected FileBasedSource<T> createForSubrangeOfFile(
      MatchResult.Metadata file, long start, long end) {
    return new LineSource<>(
        file, start, end, fileIndex, csv, header, parser, coder, skipBadRecords);
  }

  @Override
  protected FileBasedReader<T> createSingleFileReader(PipelineOptions options) {
    return new Reader<>(this);
  }

  @Override
  public Coder<T> getOutputCoder() {
    return coder;
  }

  private static final class Reader<T> extends FileBasedReader<T> {
    private static final int REPORTED_BAD_RECORDS = 10;

    /** Skipped lines this reader has reported (a few per range, so a bad file does not flood). */
    private int reported;

    private final LineSource<T> source;
    private final Path path;
    private final InputLine input = new InputLine();
    private final Counter recordsRead =
        Metrics.counter(JobMetrics.NAMESPACE, JobMetrics.RECORDS_READ);
    private final Counter badRecords =
        Metrics.counter(JobMetrics.NAMESPACE, JobMetrics.BAD_RECORDS);
    private LineReader lines;
    private T current;
    private long currentOffset;

    /**
     * The record last parsed, not yet counted: the reader reads one line past its range's end and
     * the range tracker then refuses it, so a record is counted only once the next is asked for (or
     * the file ends), which means the tracker took it.
     */
    private boolean uncounted;

    /** Skipped lines not yet known to be in this reader's range: offsets and problems. */
    private final List<Long> pendingOffsets = new ArrayList<>();

    private final List<String> pendingProblems = new ArrayList<>();

    Reader(LineSource<T> source) {
      super(source);
      this.source = source;
      this.path = Paths.get(source.getSingleFileMetadata().resourceId().toString());
    }

    @Override
    protected void startReading(ReadableByteChannel channel) throws IOException {
      long start = source.getStartOffset();
      if (start > 0) {
        // The line that began before this range belongs to the range before it.
        ((SeekableByteChannel) channel).position(start - 1);
        lines = new LineReader(channel, start - 1, path.toString());
        lines.skipLine();
      } else {
        lines = new LineReader(channel, 0, path.toString());
      }
    }

    @Override
    protected boolean readNextRecord() throws IOException {
      if (uncounted) {
        // The tracker took the last record: it and the lines skipped before it are this range's.
        recordsRead.inc();
        LiveProgress.recordRead();
        uncounted = false;
        reportPending(Long.MAX_VALUE);
      }
      while (true) {
        String text = lines.readLine();
        if (text == null) {
          return false;
        }
        currentOffset = lines.lineStart();
        if (currentOffset >= getCurrentSource().getEndOffset()) {
          return false; // the next range's first line: its reader parses (and judges) it
        }
        if (text.isEmpty()) {
          continue; // a blank line (one at the end of a file, say) is no record
        }
        if (currentOffset == 0 && source.header.present()) {
          String problem = source.header.problemWithHeader(text);
          if (problem != null) {
            bad(problem);
          }
          continue;
        }
        if (text.indexOf('\uFFFD') >= 0 && !lines.lastLineIsValidUtf8()) {
          bad(
              "the line is not valid UTF-8 (spillway reads UTF-8; convert the file first, for"
                  + " example with iconv -f latin1 -t utf-8)");
          continue;
        }
        try {
          input.set(source.csv, text, source.fileIndex, currentOffset);
          current = source.parser.parse(input);
        } catch (MalformedLineException e) {
          bad(e.getMessage());
          continue;
        }
        uncounted = true;
        return true;
      }
    }

    private void bad(String problem) {
      if (!source.skipBadRecords) {
        throw new BadRecordException(path.toString(), LineNumbers.at(path, currentOffset), problem);
      }
      pendingOffsets.add(currentOffset);
      pendingProblems.add(problem);
    }

    /** Counts and reports the skipped lines before {@code end}; drops the others. */
    private void reportPending(long end) {
      for (int i = 0; i < pendingOffsets.size(); i++) {
        long offset = pendingOffsets.get(i);
        if (offset >= end) {
          continue; // the next range's: its reader reports it
        }
        badRecords.inc();
        if (reported++ < REPORTED_BAD_RECORDS) {
          System.err.println(
              "skipped "
                  + path
                  + ":"
                  + LineNumbers.at(path, offset)
                  + ": "
                  + pendingProblems.get(i));
        }
      }
      pendingOffsets.clear();
      pendingProblems.clear();
    }

    @Override
    public void close() throws IOException {
      try {
        // The range is final now: skipped lines before its end are its own.
        reportPending(getCurrentSource().getEndOffset());
      } finally {
        super.close();
      }
    }

    @Override
    protected boolean isAtSplitPoint() {
      return true;
    }

    @Override
    protected long getCurrentOffset() {
      return currentOffset;
    }

    @Override
    public T getCurrent() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return current;
    }
  }
}
