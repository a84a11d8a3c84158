package dev.spillway.transforms;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A realistic CSV for the command line's jobs on a runner: RFC 4180 quotes around fields with
 * commas and quotes, Unicode, empty (null) amounts, negative decimals; {@code country,city} has
 * about {@code rows / 4} distinct values.
 */
public final class SalesCsv {
  public static final String HEADER = "order_id,country,city,amount,note";
  private static final String[] COUNTRIES = {
    "Deutschland", "España", "Česko", "日本", "Côte d'Ivoire", "\"Quoted\" Land", "México, D.F."
  };
  private static final String[] CITIES = {"Zürich", "São Paulo", "Łódź", "Москва", "大阪"};
  private static final String[] NOTES = {
    "", "gift", "says \"rush\", call first", "fragile, glass", "naïve café", "a;b"
  };

  private SalesCsv() {}

  /** Writes {@code rows} rows after the header, the same for the same {@code seed}. */
  public static void write(Path file, int rows, long seed) throws IOException {
    Random random = new Random(seed);
    int citiesPerName = Math.max(1, rows / 4 / COUNTRIES.length / CITIES.length);
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write(HEADER);
      out.write('\n');
      for (int i = 0; i < rows; i++) {
        String city = CITIES[random.nextInt(CITIES.length)] + " " + random.nextInt(citiesPerName);
        String amount =
            random.nextInt(10) == 0
                ? ""
                : String.format("%d.%02d", random.nextInt(2000) - 1000, random.nextInt(100));
        out.write(
            String.join(
                ",",
                Integer.toString(i),
                quoted(COUNTRIES[random.nextInt(COUNTRIES.length)]),
                quoted(city),
                amount,
                quoted(NOTES[random.nextInt(NOTES.length)])));
        out.write('\n');
      }
    }
  }

  private static String quoted(String field) {
    return field.contains(",") || field.contains("\"")
        ? '"' + field.replace("\"", "\"\"") + '"'
        : field;
  }
}
