package dev.spillway.templates.io;

import java.io.Serializable;

/** Turns one input line into a record, or throws {@link MalformedLineException}. */
@FunctionalInterface
public interface LineParser<T> extends Serializable {
  T parse(InputLine line);
}
