package dev.spillway.templates;

import dev.spillway.templates.io.Csv;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A realistic CSV made by the tests: quoted fields with commas, quotes and Unicode, empty fields,
 * negative and decimal numbers; {@code country,city} has about {@code rows / 3} distinct values.
 * Keeps, per (country, city) as the jobs print it, the notes in input order and the sum of {@code
 * qty}.
 */
final class SalesFile {
  static final String HEADER = "order_id,country,city,qty,amount,note";
  private static final String[] COUNTRIES = {
    "Deutschland", "España", "Česko", "日本", "Côte d'Ivoire", "\"Quoted\" Land", "México, D.F."
  };
  private static final String[] NOTES = {
    "", "gift", "says \"rush\", call first", "fragile, glass", "naïve café", "résumé", "a;b"
  };

  final Map<String, List<String>> notesByKey = new LinkedHashMap<>();
  final Map<String, Long> qtyByKey = new LinkedHashMap<>();

  static SalesFile write(Path file, int rows, long seed) throws IOException {
    SalesFile model = new SalesFile();
    Csv csv = new Csv(',');
    Random random = new Random(seed);
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write(HEADER);
      out.write('\n');
      for (int i = 0; i < rows; i++) {
        String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
        String city = "Zürich " + random.nextInt(Math.max(1, rows / 3 / COUNTRIES.length));
        long qty = random.nextInt(60) - 10;
        String amount =
            random.nextInt(10) == 0
                ? "" // a null, which aggregates skip
                : String.format("%d.%02d", random.nextInt(2000) - 1000, random.nextInt(100));
        String note = NOTES[random.nextInt(NOTES.length)];
        List<String> fields =
            List.of(Integer.toString(i), country, city, Long.toString(qty), amount, note);
        out.write(csv.join(fields));
        out.write('\n');
        String key = csv.join(List.of(country, city));
        model.notesByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(note);
        model.qtyByKey.merge(key, qty, Long::sum);
      }
    }
    return model;
  }
}
