package io.hadron.loadtests.bench;

import java.nio.file.Path;

/**
 * Entry point of {@code hadron-bench.jar}: the benchmark harness ({@link Harness}), or with {@code
 * repository} first, only the load-test model repository (for running Gatling against a server
 * started by hand).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        System.out.print(HarnessOptions.USAGE);
        return;
      }
    }
    try {
      if (args.length > 0 && args[0].equals("repository")) {
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        HarnessOptions o = HarnessOptions.parse(rest);
        Path work = o.work();
        LoadTestRepository.ensureBundled(o.bundled(), o.serverJar(), work.resolve("bundled-server.log"));
        Path repo = LoadTestRepository.create(o.bundled(), work.resolve("repository"), o.maxBatchSize(),
            o.maxQueueSize(), o.ortConfig());
        System.out.println("Model repository written to " + repo);
        System.out.println("Start a server on it with:");
        System.out.println("  java -jar " + o.serverJar() + " --host 127.0.0.1 --model-repository " + repo
            + " --default-max-batch-size " + o.maxBatchSize());
        return;
      }
      System.exit(Harness.bench(args));
    } catch (IllegalArgumentException e) {
      System.err.println("hadron-bench: " + e.getMessage());
      System.err.print(HarnessOptions.USAGE);
      System.exit(2);
    }
  }
}
