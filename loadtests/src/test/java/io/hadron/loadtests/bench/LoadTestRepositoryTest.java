package io.hadron.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadTestRepositoryTest {
  @TempDir Path tmp;

  @Test
  void buildsTheRepositoryFromTheBundledModels() throws IOException {
    Path bundled = fakeBundled(tmp.resolve("bundled"));
    Path repo = LoadTestRepository.create(bundled, tmp.resolve("repo"), 4, 16);
    for (String model : new String[] {"simple", "all-MiniLM-L6-v2", "all-MiniLM-L6-v2-q", "all-MiniLM-L6-v2-bounded"}) {
      assertTrue(Files.isRegularFile(repo.resolve(model + "/1/model.onnx")), model);
    }
    assertEquals("fp32", Files.readString(repo.resolve("all-MiniLM-L6-v2-bounded/1/model.onnx")));
    assertEquals("config of simple", Files.readString(repo.resolve("simple/config.pbtxt")));
    String bounded = Files.readString(repo.resolve("all-MiniLM-L6-v2-bounded/config.pbtxt"));
    assertTrue(bounded.contains("name: \"all-MiniLM-L6-v2-bounded\""), bounded);
    assertTrue(bounded.contains("max_batch_size: 4"), bounded);
    assertTrue(bounded.contains("default_queue_policy { max_queue_size: 16 }"), bounded);
    assertFalse(Files.exists(repo.resolve("all-MiniLM-L6-v2/config.pbtxt")));
    // Again over the same folder: same result.
    LoadTestRepository.create(bundled, repo, 8, 2);
    assertTrue(Files.readString(repo.resolve("all-MiniLM-L6-v2-bounded/config.pbtxt")).contains("max_queue_size: 2"));
  }

  @Test
  void sessionEntriesReachEveryMiniLmConfigAndGoAwayWhenNoLongerAsked() throws IOException {
    Path bundled = fakeBundled(tmp.resolve("bundled"));
    Path repo = LoadTestRepository.create(bundled, tmp.resolve("repo"), 4, 16,
        java.util.List.of("session.intra_op.allow_spinning=0"));
    String entry = "parameters { key: \"hadron.ort_config.session.intra_op.allow_spinning\" value: { string_value: \"0\" } }";
    for (String model : new String[] {"all-MiniLM-L6-v2", "all-MiniLM-L6-v2-q", "all-MiniLM-L6-v2-bounded"}) {
      String config = Files.readString(repo.resolve(model + "/config.pbtxt"));
      assertTrue(config.contains("name: \"" + model + "\"") && config.contains(entry), config);
    }
    assertEquals("config of simple", Files.readString(repo.resolve("simple/config.pbtxt")));
    LoadTestRepository.create(bundled, repo, 4, 16);
    assertFalse(Files.exists(repo.resolve("all-MiniLM-L6-v2/config.pbtxt")));
  }

  @Test
  void refusesAnIncompleteBundledFolder() throws IOException {
    Path bundled = fakeBundled(tmp.resolve("bundled"));
    Files.delete(bundled.resolve("all-MiniLM-L6-v2-q/1/model.onnx"));
    assertFalse(LoadTestRepository.hasBundled(bundled));
    assertThrows(IOException.class, () -> LoadTestRepository.create(bundled, tmp.resolve("repo"), 4, 16));
    assertThrows(IllegalArgumentException.class, () -> LoadTestRepository.boundedConfig(4, 0));
  }

  @Test
  void defaultBundledFolderFollowsTheServersConvention() {
    Path d = LoadTestRepository.defaultBundledDirectory();
    assertEquals("bundled-models", d.getFileName().toString());
    assertEquals("hadron-" + System.getProperty("user.name"), d.getParent().getFileName().toString());
  }

  private static Path fakeBundled(Path dir) throws IOException {
    write(dir.resolve("simple/config.pbtxt"), "config of simple");
    write(dir.resolve("simple/1/model.onnx"), "simple");
    write(dir.resolve("all-MiniLM-L6-v2/1/model.onnx"), "fp32");
    write(dir.resolve("all-MiniLM-L6-v2-q/1/model.onnx"), "int8");
    return dir;
  }

  private static void write(Path p, String s) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, s);
  }
}
