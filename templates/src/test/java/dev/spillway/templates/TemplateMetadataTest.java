package dev.spillway.templates;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.junit.Test;

/**
 * Each job's template metadata file names exactly the parameters of its options interface, marks
 * the required ones as such, and its validation regexes accept good values and refuse bad ones.
 */
public class TemplateMetadataTest {
  private static final Map<String, Class<? extends JobOptions>> JOBS =
      Map.of(
          "aggregate",
          AggregateOptions.class,
          "group",
          GroupOptions.class,
          "sort",
          SortOptions.class);

  @Test
  public void metadataMatchesTheOptionsInterfaces() throws Exception {
    for (Map.Entry<String, Class<? extends JobOptions>> job : JOBS.entrySet()) {
      JsonNode doc = read(job.getKey());
      assertEquals("spillway " + job.getKey(), doc.get("name").asText());
      Class.forName(doc.get("mainClass").asText()).getMethod("main", String[].class);
      Map<String, Boolean> declared = new TreeMap<>(); // name -> optional
      for (Method m : job.getValue().getMethods()) {
        if (m.getName().startsWith("get")
            && m.getDeclaringClass() != PipelineOptions.class
            && JobOptions.class.isAssignableFrom(m.getDeclaringClass())) {
          String name = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
          declared.put(name, m.getAnnotation(Validation.Required.class) == null);
        }
      }
      Map<String, Boolean> listed = new TreeMap<>();
      for (JsonNode p : doc.get("parameters")) {
        listed.put(p.get("name").asText(), p.get("isOptional").asBoolean());
        assertFalse(p.get("helpText").asText().isEmpty());
        for (JsonNode regex : p.get("regexes")) {
          Pattern.compile(regex.asText());
        }
      }
      assertEquals(job.getKey(), declared, listed);
    }
  }

  @Test
  public void regexesAcceptGoodValuesAndRefuseBadOnes() throws Exception {
    check(
        "aggregate",
        "memory",
        List.of("64m", "2g", "1048576", "512K", "64mb"),
        List.of("lots", "64x", "-1m", ""));
    check(
        "aggregate",
        "aggregate",
        List.of("count", "sum:price,count,mean:price", "max:3"),
        List.of("median:x", "sum", "count,", ""));
    check("aggregate", "delimiter", List.of("auto", "tab", ";", "|"), List.of("ab", "\"", ""));
    check("sort", "ranges", List.of("1", "16", "4096"), List.of("0", "10000", "x"));
    check("group", "key", List.of("user", "a,b", "3"), List.of("", "a,,b"));
  }

  private static void check(String job, String parameter, List<String> good, List<String> bad)
      throws Exception {
    for (JsonNode p : read(job).get("parameters")) {
      if (p.get("name").asText().equals(parameter)) {
        Pattern regex = Pattern.compile(p.get("regexes").get(0).asText());
        good.forEach(v -> assertTrue(parameter + " " + v, regex.matcher(v).matches()));
        bad.forEach(v -> assertFalse(parameter + " " + v, regex.matcher(v).matches()));
        return;
      }
    }
    throw new AssertionError(job + " has no parameter " + parameter);
  }

  private static JsonNode read(String job) throws Exception {
    try (InputStream in =
        TemplateMetadataTest.class.getResourceAsStream(
            "/dev/spillway/templates/metadata/" + job + ".json")) {
      return new ObjectMapper().readTree(in);
    }
  }
}
