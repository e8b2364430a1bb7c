package io.kvcache.app;

/** Prints the README's configuration table from {@link ConfigSchema}: {@code ./kvstore java io.kvcache.app.PrintConfigTable}. */
public final class PrintConfigTable {
  private PrintConfigTable() {}

  public static void main(String[] args) {
    System.out.println("| key | default | environment | meaning |");
    System.out.println("|---|---|---|---|");
    for (ConfigKey key : ConfigSchema.keys()) {
      String range = key.choices().isEmpty() ? "" : " (" + String.join(" \\| ", key.choices()) + ")";
      System.out.println("| `" + key.name() + "` | `" + key.defaultText() + "` | `" + key.envName() + "` | "
          + key.doc() + range + " |");
    }
  }
}
