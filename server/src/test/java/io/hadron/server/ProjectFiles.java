package io.hadron.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the repository around the server module (Dockerfile, deploy/, README), for the tests
 * that keep them consistent with the code. Stateless.
 */
final class ProjectFiles {
  private ProjectFiles() {}

  /** The repository's root: the nearest directory up from here with the Maven wrapper and the Dockerfile. */
  static Path root() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("mvnw")) && Files.isRegularFile(p.resolve("Dockerfile"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (mvnw and Dockerfile) above " + Path.of("").toAbsolutePath());
  }

  static Path path(String relative) {
    return root().resolve(relative);
  }

  static String read(String relative) {
    try {
      return Files.readString(path(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
