package dev.spillway.templates.io;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/** Reads and parses every input file of a job: one {@link LineSource} per file, flattened. */
public final class ReadInput<T> extends PTransform<PBegin, PCollection<T>> {
  private static final long serialVersionUID = 1L;

  private final List<String> files;
  private final Csv csv;
  private final Header header;
  private final LineParser<T> parser;
  private final Coder<T> coder;
  private final boolean skipBadRecords;

  public ReadInput(
      List<String> files,
      Csv csv,
      Header header,
      LineParser<T> parser,
      Coder<T> coder,
      boolean skipBadRecords) {
    this.files = List.copyOf(files);
    this.csv = csv;
    this.header = header;
    this.parser = parser;
    this.coder = coder;
    this.skipBadRecords = skipBadRecords;
  }

  /** One source per input file, in input order. */
  public List<LineSource<T>> sources() {
    List<LineSource<T>> sources = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      sources.add(LineSource.of(files.get(i), i, csv, header, parser, coder, skipBadRecords));
    }
    return sources;
  }

  @Override
  public PCollection<T> expand(PBegin begin) {
    PCollectionList<T> all = PCollectionList.empty(begin.getPipeline());
    List<LineSource<T>> sources = sources();
    for (int i = 0; i < sources.size(); i++) {
      all = all.and(begin.apply("File" + i, Read.from(sources.get(i))));
    }
    return all.apply("AllFiles", Flatten.pCollections());
  }
}
