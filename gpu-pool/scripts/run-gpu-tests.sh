#!/usr/bin/env bash
# Runs gpu-pool's GPU tests (JUnit tag "gpu") on a machine with a CUDA device and driver. They skip
# themselves where detection finds no device, so a run without a GPU passes with every test skipped:
# read the summary ("Tests run: N, ... Skipped: N") before trusting a green result.
#
# The module's surefire configuration excludes ${gpupool.excludedGroups} (by default "gpu,stress");
# an excluded tag wins over an included one, so both properties are set here.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -pl gpu-pool -am install -DskipTests
./mvnw -B -pl gpu-pool verify -Dgroups=gpu -Dgpupool.excludedGroups=stress "$@"
