package io.hadron.server;

/**
 * Command-line entry point: {@code java -jar hadron-server.jar [flags]}, flags also read from
 * {@code HADRON_*} environment variables.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        System.out.print(ServerConfig.USAGE);
        return;
      }
    }
    ServerConfig config;
    try {
      config = ServerConfig.parse(System.getenv(), args);
    } catch (IllegalArgumentException e) {
      System.err.println("hadron: " + e.getMessage());
      System.err.print(ServerConfig.USAGE);
      System.exit(2);
      return;
    }
    HadronServer server = HadronServer.start(config);
    // SIGTERM and SIGINT drain and exit 0; the hook covers every other way out (System.exit, -Xrs).
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("hadron-shutdown").unstarted(server::close));
    StopSignals.install(server::close);
  }
}
