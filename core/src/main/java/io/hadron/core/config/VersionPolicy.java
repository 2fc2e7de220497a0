package io.hadron.core.config;

import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** Triton's {@code version_policy}: which of the versions on disk are served. Immutable. */
public sealed interface VersionPolicy {
  /** Chooses the versions to serve among those available. */
  SortedSet<Long> select(SortedSet<Long> available);

  /** The highest {@code numVersions} versions (Triton's default: latest 1). */
  record Latest(int numVersions) implements VersionPolicy {
    public Latest {
      if (numVersions < 1) {
        throw new IllegalArgumentException("version_policy latest num_versions must be >= 1, got " + numVersions);
      }
    }

    @Override
    public SortedSet<Long> select(SortedSet<Long> available) {
      TreeSet<Long> out = new TreeSet<>();
      for (Long v : available.reversed()) {
        if (out.size() == numVersions) {
          break;
        }
        out.add(v);
      }
      return out;
    }
  }

  /** Every version present. */
  record All() implements VersionPolicy {
    @Override
    public SortedSet<Long> select(SortedSet<Long> available) {
      return new TreeSet<>(available);
    }
  }

  /** Exactly these versions (those missing on disk are reported by the repository). */
  record Specific(Set<Long> versions) implements VersionPolicy {
    public Specific {
      versions = Set.copyOf(versions);
      if (versions.isEmpty()) {
        throw new IllegalArgumentException("version_policy specific needs at least one version");
      }
      for (long v : versions) {
        if (v < 0) {
          throw new IllegalArgumentException("version_policy specific versions must be >= 0, got " + v);
        }
      }
    }

    @Override
    public SortedSet<Long> select(SortedSet<Long> available) {
      TreeSet<Long> out = new TreeSet<>(available);
      out.retainAll(versions);
      return out;
    }
  }

  VersionPolicy DEFAULT = new Latest(1);
}
