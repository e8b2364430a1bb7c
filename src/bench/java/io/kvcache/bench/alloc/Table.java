package io.kvcache.bench.alloc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A Markdown table printed once all rows are in (columns sized to their widest cell), so it can go into the README. */
final class Table {
  private final String title;
  private final String[] header;
  private final List<String[]> rows = new ArrayList<>();

  Table(String title, String... header) {
    this.title = title;
    this.header = header;
  }

  void row(Object... cells) {
    if (cells.length != header.length) {
      throw new IllegalArgumentException(cells.length + " cells for " + header.length + " columns");
    }
    String[] text = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      text[i] = String.valueOf(cells[i]);
    }
    rows.add(text);
    System.err.println("  " + String.join(" ", text)); // progress while a long matrix runs
  }

  void print() {
    int[] widths = new int[header.length];
    for (int i = 0; i < header.length; i++) {
      widths[i] = header[i].length();
      for (String[] row : rows) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder("\n### ").append(title).append("\n\n");
    line(out, header, widths);
    out.append('|');
    for (int width : widths) {
      out.append("-".repeat(width + 1)).append(":|");
    }
    out.append('\n');
    for (String[] row : rows) {
      line(out, row, widths);
    }
    System.out.print(out);
    System.out.flush();
  }

  private static void line(StringBuilder out, String[] cells, int[] widths) {
    out.append('|');
    for (int i = 0; i < cells.length; i++) {
      out.append(' ').append(" ".repeat(widths[i] - cells[i].length())).append(cells[i]).append(" |");
    }
    out.append('\n');
  }

  static String fixed(double value, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  /** 3,274,752 B → "3198KB", 32 MiB → "32MB": the reference's AllocSize style. */
  static String size(long bytes) {
    if (bytes % (1L << 20) == 0) {
      return (bytes >> 20) + "MB";
    }
    return bytes % 1024 == 0 ? (bytes >> 10) + "KB" : bytes + "B";
  }
}
