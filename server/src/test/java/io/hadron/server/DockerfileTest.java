package io.hadron.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Dockerfile against the project it packages. No Docker engine runs in CI, so the image is
 * never built there; instead its build commands, paths, ports, user, health check and JVM options
 * are checked here against the README, the POMs and the server itself, and cannot drift silently.
 */
class DockerfileTest {
  private static final Dockerfile DOCKERFILE = Dockerfile.parse(ProjectFiles.read("Dockerfile"));
  private static final Set<String> VARIANTS = Set.of("cpu", "gpu");

  @Test
  void buildStagesRunTheReadmeBuildCommandsVerbatim() {
    List<String> readme = readmeCommands("./mvnw ");
    for (String variant : VARIANTS) {
      List<String> mvnw = DOCKERFILE.stage("build-" + variant).runs().stream()
          .map(DockerfileTest::withoutRunOptions).filter(c -> c.startsWith("./mvnw")).toList();
      assertEquals(1, mvnw.size(), "build-" + variant + " should run one Maven build: " + mvnw);
      assertTrue(readme.contains(mvnw.getFirst()),
          "build-" + variant + " runs '" + mvnw.getFirst() + "', which the README does not document: " + readme);
    }
    String setUp = readme.getFirst();
    assertEquals(setUp, buildCommand("cpu"), "the CPU image builds as the README's set-up does");
    assertEquals(setUp + " -Pgpu", buildCommand("gpu"), "the GPU image is the same build with the gpu profile");
  }

  @Test
  void theBuildIsTheOneCiVerifies() {
    // CI runs the full lifecycle through verify, which includes package: the jar the image copies
    // is built by the same wrapper and POMs that CI tests, only without running the tests again.
    String ci = ProjectFiles.read(".ci/run");
    assertTrue(ci.lines().anyMatch(l -> l.strip().equals("./mvnw -B verify")),
        ".ci/run no longer runs ./mvnw -B verify");
    assertTrue(buildCommand("cpu").startsWith("./mvnw -B ") && buildCommand("cpu").contains(" package "));
  }

  @Test
  void theGpuProfileSwapsInOnnxRuntimesGpuBuild() {
    String pom = ProjectFiles.read("server/pom.xml");
    int profile = pom.indexOf("<id>gpu</id>");
    assertTrue(profile > 0, "server/pom.xml has no gpu profile");
    String body = pom.substring(profile, pom.indexOf("</profile>", profile));
    assertTrue(body.contains("<artifactId>onnxruntime_gpu</artifactId>"), body);
    assertTrue(body.contains("<version>${onnxruntime.version}</version>"),
        "same ONNX Runtime version as the CPU build");
    assertTrue(body.contains("<exclude>com.microsoft.onnxruntime:onnxruntime</exclude>"), "CPU build left in the jar");
  }

  @Test
  void theImageRunsTheJarTheBuildMakes() {
    Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(ProjectFiles.read("server/pom.xml"));
    assertTrue(finalName.find());
    String workdir = DOCKERFILE.stage("build-base").last("WORKDIR");
    String built = workdir + "/server/target/" + finalName.group(1) + ".jar";
    String copy = DOCKERFILE.finalStage().all("COPY").stream()
        .filter(c -> c.startsWith("--from=build ")).findFirst().orElseThrow();
    List<String> parts = Arrays.stream(copy.split("\\s+")).filter(p -> !p.startsWith("--")).toList();
    assertEquals(built, parts.get(0));
    String installed = parts.get(1);
    assertEquals("[\"java\", \"-jar\", \"" + installed + "\"]", DOCKERFILE.finalStage().last("ENTRYPOINT"),
        "exec form, so that java is PID 1 and receives SIGTERM");
  }

  @Test
  void exposedPortsAreTheServerDefaults() {
    ServerConfig d = ServerConfig.defaults();
    List<Integer> exposed = Arrays.stream(DOCKERFILE.finalStage().last("EXPOSE").split("\\s+"))
        .map(Integer::valueOf).toList();
    assertEquals(new TreeSet<>(List.of(d.httpPort(), d.grpcPort(), d.metricsPort())), new TreeSet<>(exposed));
  }

  @Test
  void theModelRepositoryIsTheVolumeAndComesFromTheEnvironment() {
    Dockerfile.Stage image = DOCKERFILE.finalStage();
    assertEquals("[\"/models\"]", image.last("VOLUME"));
    Map<String, String> env = image.env();
    assertEquals("/models", env.get(ServerConfig.environmentVariable("--model-repository")));
    Map<String, String> hadron = new LinkedHashMap<>();
    env.forEach((k, v) -> {
      if (k.startsWith(ServerConfig.ENV_PREFIX)) {
        hadron.put(k, v);
      }
    });
    assertEquals(Path.of("/models"), ServerConfig.parse(hadron).modelRepository().orElseThrow(),
        "the image's HADRON_* settings must parse: " + hadron);
  }

  @Test
  void theHealthCheckAsksReadinessOnTheHttpPort(@TempDir Path emptyRepository) throws Exception {
    String check = DOCKERFILE.finalStage().last("HEALTHCHECK");
    Matcher url = Pattern.compile("http://127\\.0\\.0\\.1:\\$\\{(\\w+):-(\\d+)}(/\\S+?)\"").matcher(check);
    assertTrue(url.find(), check);
    assertEquals(ServerConfig.environmentVariable("--http-port"), url.group(1));
    assertEquals(ServerConfig.defaults().httpPort(), Integer.parseInt(url.group(2)));
    assertEquals("/v2/health/ready", url.group(3));
    // The path answers 200 on a ready server (and curl -f fails on anything else).
    try (TestServer t = new TestServer(ServerConfig.defaults().withModelRepository(emptyRepository))) {
      assertEquals(200, t.get(url.group(3)).statusCode());
    }
  }

  @Test
  void theServerRunsAsAFixedNonRootUser() {
    String user = DOCKERFILE.finalStage().last("USER");
    assertTrue(user.matches("[0-9]+:[0-9]+"), "numeric, so that runAsNonRoot can verify it: " + user);
    assertNotEquals("0", user.split(":")[0]);
  }

  @Test
  void theJvmOptionsAreAcceptedByTheJvm() throws Exception {
    String options = DOCKERFILE.finalStage().env().get("JDK_JAVA_OPTIONS");
    assertTrue(options != null && options.contains("-XX:MaxRAMPercentage=")
        && options.contains("-XX:+ExitOnOutOfMemoryError"), "container-aware heap sizing and exit on OOM: " + options);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(List.of(options.split("\\s+")));
    cmd.add("-version");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
  }

  @Test
  void javaAndCudaVersionsMeetTheProjectsNeeds() {
    Matcher release = Pattern.compile("<maven.compiler.release>(\\d+)<").matcher(ProjectFiles.read("pom.xml"));
    assertTrue(release.find());
    int java = Integer.parseInt(DOCKERFILE.arg("JAVA_VERSION"));
    assertTrue(java >= Integer.parseInt(release.group(1)), "the image's Java " + java + " is older than the code's");
    assertEquals("eclipse-temurin:${JAVA_VERSION}-jdk", DOCKERFILE.stage("build-base").from());
    assertEquals("eclipse-temurin:${JAVA_VERSION}-jre", DOCKERFILE.stage("jre").from());
    // CUDA 12 runtime with cuDNN (9 on every CUDA 12 tag that says just "cudnn"), as ONNX Runtime's
    // CUDA execution provider of the version in the POM requires.
    assertTrue(DOCKERFILE.arg("CUDA_IMAGE").matches("nvidia/cuda:12\\.\\d+(\\.\\d+)?-cudnn-runtime-ubuntu\\d+\\.\\d+"),
        DOCKERFILE.arg("CUDA_IMAGE"));
    assertEquals("${CUDA_IMAGE}", DOCKERFILE.stage("base-gpu").from());
    assertTrue(VARIANTS.contains(DOCKERFILE.arg("VARIANT")));
    assertEquals("build-${VARIANT}", DOCKERFILE.stage("build").from());
    assertEquals("base-${VARIANT}", DOCKERFILE.finalStage().from());
    assertTrue(DOCKERFILE.finalStage().all("COPY").contains("--from=jre /opt/java/openjdk /opt/java/openjdk"));
  }

  @Test
  void theBuildContextKeepsEverythingTheBuildNeeds() throws Exception {
    List<PathMatcher> ignored = ProjectFiles.read(".dockerignore").lines().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .map(l -> FileSystems.getDefault().getPathMatcher("glob:" + l.replaceAll("/$", "")))
        .toList();
    Path root = ProjectFiles.root();
    List<String> needed = new ArrayList<>(List.of("mvnw", ".mvn/wrapper/maven-wrapper.properties", "pom.xml"));
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(ProjectFiles.read("pom.xml"));
    while (module.find()) {
      needed.add(module.group(1) + "/pom.xml");
      needed.add(module.group(1) + "/src");
    }
    for (String n : needed) {
      assertTrue(Files.exists(root.resolve(n)), n);
      for (Path prefix = Path.of(n); prefix != null; prefix = prefix.getParent()) {
        Path p = prefix;
        assertFalse(ignored.stream().anyMatch(m -> m.matches(p)), n + " is excluded by .dockerignore");
      }
    }
    assertTrue(ignored.stream().anyMatch(m -> m.matches(Path.of("server/target"))), "build outputs are left out");
  }

  /** The fenced commands of the README that start with {@code prefix}, cut at the first {@code &&}. */
  private static List<String> readmeCommands(String prefix) {
    List<String> out = new ArrayList<>();
    boolean fenced = false;
    for (String line : ProjectFiles.read("README.md").lines().toList()) {
      if (line.startsWith("```")) {
        fenced = !fenced;
      } else if (fenced && line.startsWith(prefix)) {
        out.add(line.split("&&")[0].strip());
      }
    }
    return out;
  }

  private static String buildCommand(String variant) {
    return DOCKERFILE.stage("build-" + variant).runs().stream().map(DockerfileTest::withoutRunOptions)
        .filter(c -> c.startsWith("./mvnw")).findFirst().orElseThrow();
  }

  /** {@code RUN --mount=... cmd} is {@code cmd}: the options shape caching, not the command. */
  private static String withoutRunOptions(String run) {
    String s = run.strip();
    while (s.startsWith("--")) {
      s = s.substring(s.indexOf(' ') + 1).strip();
    }
    return s;
  }

  /**
   * Just enough of the Dockerfile grammar for these checks: line continuations, comments,
   * instructions, stages and build arguments. Immutable.
   */
  record Dockerfile(Map<String, String> args, List<Stage> stages) {
    record Instruction(String keyword, String value) {}

    record Stage(String name, String from, List<Instruction> instructions) {
      List<String> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword.equals(keyword)).map(Instruction::value).toList();
      }

      String last(String keyword) {
        List<String> all = all(keyword);
        if (all.isEmpty()) {
          throw new AssertionError("stage " + name + " has no " + keyword);
        }
        return all.getLast();
      }

      List<String> runs() {
        return all("RUN");
      }

      /** ENV KEY=VALUE pairs (one per instruction here), quotes removed. */
      Map<String, String> env() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String e : all("ENV")) {
          int eq = e.indexOf('=');
          out.put(e.substring(0, eq).strip(), e.substring(eq + 1).strip().replaceAll("^\"|\"$", ""));
        }
        return out;
      }
    }

    static Dockerfile parse(String text) {
      Map<String, String> args = new LinkedHashMap<>();
      List<Stage> stages = new ArrayList<>();
      String joined = text.replaceAll("\\\\\\n", " ");
      String name = null;
      String from = null;
      List<Instruction> current = null;
      for (String raw : joined.lines().toList()) {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] kv = line.split("\\s+", 2);
        Instruction i = new Instruction(kv[0].toUpperCase(), kv.length > 1 ? kv[1].strip() : "");
        if (i.keyword.equals("FROM")) {
          if (current != null) {
            stages.add(new Stage(name, from, List.copyOf(current)));
          }
          String[] f = i.value.split("\\s+");
          from = f[0];
          name = f.length == 3 && f[1].equalsIgnoreCase("AS") ? f[2] : "stage" + stages.size();
          current = new ArrayList<>();
        } else if (current == null && i.keyword.equals("ARG")) {
          String[] a = i.value.split("=", 2);
          args.put(a[0], a.length > 1 ? a[1] : "");
        } else if (current != null) {
          current.add(i);
        }
      }
      if (current != null) {
        stages.add(new Stage(name, from, List.copyOf(current)));
      }
      return new Dockerfile(Map.copyOf(args), List.copyOf(stages));
    }

    String arg(String name) {
      String v = args.get(name);
      if (v == null) {
        throw new AssertionError("no ARG " + name + " before the first FROM");
      }
      return v;
    }

    Stage stage(String name) {
      return stages.stream().filter(s -> s.name.equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError("no stage " + name));
    }

    Stage finalStage() {
      return stages.getLast();
    }
  }
}
