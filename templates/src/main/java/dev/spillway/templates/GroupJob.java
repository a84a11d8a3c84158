package dev.spillway.templates;

import dev.spillway.templates.io.Csv;
import dev.spillway.templates.io.InputLine;
import dev.spillway.templates.io.KeyColumns;
import dev.spillway.templates.io.LineParser;
import dev.spillway.templates.io.ReadInput;
import dev.spillway.transforms.SpillingGroupByKey;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The {@code group} job: collects all values of each key through {@code SpillingGroupByKey} and
 * writes one line per key: the key's fields, then its values joined by a separator (one field).
 *
 * <pre>
 * java -jar templates/target/spillway.jar group --input visits.csv --output by-user.csv \
 *     --key user --value page --memory 256m
 * </pre>
 */
public final class GroupJob {
  public static final String NAME = "group";

  private GroupJob() {}

  public static Pipeline build(GroupOptions options, JobSetup setup) {
    int[] key = setup.columns(options.getKey(), "key");
    String valueName = options.getValue();
    int value = valueName == null || valueName.isEmpty() ? -1 : setup.header().indexOf(valueName);
    Csv out = new Csv(setup.csv().delimiter());
    Pipeline p = Pipeline.create(options);
    ReadInput<KV<String, String>> read =
        new ReadInput<>(
            setup.files(),
            setup.csv(),
            setup.header(),
            new KeyValueParser(key, value, setup, out),
            KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()),
            options.getSkipBadRecords());
    String header = null;
    if (setup.header().present()) {
      List<String> names = new ArrayList<>();
      for (int c : key) {
        names.add(setup.header().nameOf(c));
      }
      names.add(value < 0 ? "lines" : setup.header().nameOf(value));
      header = out.join(names);
    }
    if (JobSetup.shufflesThroughFiles(options)) {
      TextOutput.writeThroughFiles(
          p,
          "Group",
          read,
          new GroupExchange.Producer(),
          new GroupExchange.Writer(out.delimiter(), options.getSeparator()),
          options,
          setup,
          header);
      return p;
    }
    PCollection<String> lines =
        p.apply("Read", read)
            .apply("Group", SpillingGroupByKey.<String, String>create().withOptions(setup.spill()))
            .apply("Format", ParDo.of(new FormatFn(out, options.getSeparator())));
    TextOutput.write(lines, setup, header);
    return p;
  }

  /** (key fields joined as printed, the value column or the whole line). */
  static final class KeyValueParser implements LineParser<KV<String, String>> {
    private static final long serialVersionUID = 1L;
    private final KeyColumns key;
    private final int value;
    private final String valueName;

    KeyValueParser(int[] key, int value, JobSetup setup, Csv out) {
      this.key = new KeyColumns(key, setup.header(), out);
      this.value = value;
      this.valueName = value < 0 ? null : setup.header().nameOf(value);
    }

    @Override
    public KV<String, String> parse(InputLine line) {
      return KV.of(key.of(line), value < 0 ? line.text() : line.field(value, valueName));
    }
  }

  /** The key's fields, then its values joined by the separator as one (quoted) field. */
  static final class FormatFn extends DoFn<KV<String, Iterable<String>>, String> {
    private static final long serialVersionUID = 1L;
    private final Csv out;
    private final String separator;

    FormatFn(Csv out, String separator) {
      this.out = out;
      this.separator = separator;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<String>> group, OutputReceiver<String> o) {
      StringBuilder values = new StringBuilder();
      boolean first = true;
      for (String v : group.getValue()) {
        if (!first) {
          values.append(separator);
        }
        values.append(v);
        first = false;
      }
      StringBuilder line = new StringBuilder(group.getKey()).append(out.delimiter());
      out.appendField(line, values.toString());
      o.output(line.toString());
    }
  }

  public static void main(String[] args) {
    System.exit(JobLauncher.launchFromArgs(args, GroupOptions.class, GroupJob::build));
  }
}
