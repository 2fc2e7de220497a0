package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every flag as an environment variable, and the README's table of them. */
class ServerConfigEnvironmentTest {
  /** A value other than the default for each kind of flag argument named in the usage text. */
  private static final Map<String, String> SAMPLE = Map.of(
      "DIR", "/srv/models", "ADDR", "127.0.0.1", "N", "7", "BYTES", "3m", "BOOL", "false", "DURATION", "9s",
      "MODE", "explicit", "NAME", "simple", "X", "0.5", "POLICY", "normal");
  /** Flags that only mean something together with another: the other, as flag and value. */
  private static final Map<String, List<String>> NEEDS = Map.of(
      "--load-model", List.of("--model-control-mode", "explicit"));
  private static final Pattern USAGE_LINE = Pattern.compile("(?m)^ {2}(--[a-z0-9-]+) ([A-Z]+)");

  @Test
  void everyFlagCanBeSetFromItsEnvironmentVariable() {
    Matcher m = USAGE_LINE.matcher(ServerConfig.USAGE);
    Set<String> seen = new TreeSet<>();
    while (m.find()) {
      String flag = m.group(1);
      String value = SAMPLE.get(m.group(2));
      assertTrue(value != null, "no sample value for " + flag + " " + m.group(2));
      String variable = ServerConfig.environmentVariable(flag);
      List<String> needs = NEEDS.getOrDefault(flag, List.of());
      Map<String, String> env = new java.util.HashMap<>(Map.of(variable, value));
      List<String> args = new java.util.ArrayList<>(List.of(flag, value));
      if (!needs.isEmpty()) {
        env.put(ServerConfig.environmentVariable(needs.get(0)), needs.get(1));
        args.addAll(needs);
      }
      ServerConfig base = ServerConfig.parse(needs.toArray(String[]::new));
      ServerConfig fromEnv = ServerConfig.parse(env);
      assertNotEquals(base, fromEnv, variable + "=" + value + " changed nothing");
      assertEquals(ServerConfig.parse(args.toArray(String[]::new)), fromEnv, variable + " and " + flag + " disagree");
      seen.add(flag);
    }
    assertEquals(new TreeSet<>(ServerConfig.flags()), seen);
  }

  @Test
  void variablesAreNamedAfterTheirFlags() {
    assertEquals("HADRON_HTTP_PORT", ServerConfig.environmentVariable("--http-port"));
    assertEquals("HADRON_MODEL_REPOSITORY", ServerConfig.environmentVariable("--model-repository"));
  }

  @Test
  void aFlagOnTheCommandLineWinsOverItsVariable() {
    ServerConfig c = ServerConfig.parse(Map.of("HADRON_HTTP_PORT", "9000", "HADRON_GRPC_PORT", "9001"),
        "--http-port", "9100");
    assertEquals(9100, c.httpPort());
    assertEquals(9001, c.grpcPort());
  }

  @Test
  void anEmptyVariableIsUnset() {
    ServerConfig c = ServerConfig.parse(Map.of("HADRON_MODEL_REPOSITORY", "", "HADRON_HTTP_PORT", ""));
    assertTrue(c.modelRepository().isEmpty());
    assertEquals(8000, c.httpPort());
  }

  @Test
  void variablesThatNameNoFlagAreIgnored() {
    // What Kubernetes injects for a Service named "hadron" in the same namespace.
    Map<String, String> serviceLinks = Map.of(
        "HADRON_PORT", "tcp://10.0.0.1:8000",
        "HADRON_SERVICE_HOST", "10.0.0.1",
        "HADRON_SERVICE_PORT_HTTP", "8000",
        "HADRON_PORT_8000_TCP_ADDR", "10.0.0.1");
    assertEquals(ServerConfig.defaults(), ServerConfig.parse(serviceLinks));
  }

  @Test
  void aBadValueInTheEnvironmentNamesTheVariable() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.parse(Map.of("HADRON_HTTP_PORT", "http")));
    assertTrue(e.getMessage().contains("HADRON_HTTP_PORT") && e.getMessage().contains("'http'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.parse(Map.of("HADRON_SHUTDOWN_TIMEOUT", "5h")));
    assertTrue(e.getMessage().contains("HADRON_SHUTDOWN_TIMEOUT") && e.getMessage().contains("'5h'"), e.getMessage());
  }

  @Test
  void aRangeCheckAppliesToTheEffectiveValueWhereverItCameFrom() {
    // The variable alone would clash with the default gRPC port; the flag moves gRPC away.
    ServerConfig c = ServerConfig.parse(Map.of("HADRON_HTTP_PORT", "8001"), "--grpc-port", "9001");
    assertEquals(8001, c.httpPort());
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse(Map.of("HADRON_HTTP_PORT", "8001")));
  }

  @Test
  void shutdownDurationsTakeUnitsAndDefaultToSeconds() {
    assertEquals(Duration.ZERO, ServerConfig.defaults().shutdownDelay());
    assertEquals(Duration.ofSeconds(30), ServerConfig.defaults().shutdownTimeout());
    assertEquals(Duration.ofMillis(500), ServerConfig.parse("--shutdown-delay", "500ms").shutdownDelay());
    assertEquals(Duration.ofMinutes(2), ServerConfig.parse("--shutdown-timeout=2m").shutdownTimeout());
    assertEquals(Duration.ofSeconds(45), ServerConfig.parse("--shutdown-timeout", "45").shutdownTimeout());
    assertEquals(Duration.ZERO, ServerConfig.parse("--shutdown-timeout", "0s").shutdownTimeout());
    for (String bad : new String[] {"-1s", "1.5s", "s", "10x"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ServerConfig.parse("--shutdown-timeout", bad));
      assertTrue(e.getMessage().contains("--shutdown-timeout"), e.getMessage());
    }
  }

  @Test
  void theReadmeTableListsEveryFlagWithItsVariable() {
    String readme = ProjectFiles.read("README.md");
    Matcher row = Pattern.compile("(?m)^\\| `(--[a-z0-9-]+)[^`]*` \\| (?:`([A-Z0-9_]+)`)? *\\|").matcher(readme);
    Map<String, String> documented = new TreeMap<>();
    while (row.find()) {
      documented.put(row.group(1), row.group(2) == null ? "" : row.group(2));
    }
    documented.remove("--help");
    Map<String, String> expected = new TreeMap<>();
    for (String flag : ServerConfig.flags()) {
      expected.put(flag, ServerConfig.environmentVariable(flag));
    }
    assertEquals(expected, documented, "README.md's flag table and ServerConfig.USAGE disagree");
  }
}
