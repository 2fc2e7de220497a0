# syntax=docker/dockerfile:1
#
# Hadron's container image, in two variants:
#   docker build -t hadron:gpu .                        CUDA 12 + cuDNN 9, ONNX Runtime's GPU build
#   docker build -t hadron:cpu --build-arg VARIANT=cpu .  plain Ubuntu, ONNX Runtime's CPU build
# and run with:
#   docker run --gpus all -p 8000-8002:8000-8002 -v "$PWD/models:/models:ro" hadron:gpu
#
# The build steps are the README's build commands, unchanged; DockerfileTest checks that they, the
# ports, the paths and the health check still match the project.

# Which image to build: gpu or cpu.
ARG VARIANT=gpu
# Java: the build JDK and the runtime JRE are the same release.
ARG JAVA_VERSION=25
# The CUDA runtime with cuDNN 9, which ONNX Runtime's CUDA execution provider needs. The tag to
# adjust for another CUDA 12 minor release or Ubuntu version; any 12.x-cudnn-runtime tag works.
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04
ARG CPU_IMAGE=ubuntu:24.04

# ---- build ------------------------------------------------------------------------------------
FROM eclipse-temurin:${JAVA_VERSION}-jdk AS build-base
WORKDIR /src
COPY . .

FROM build-base AS build-cpu
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q package -DskipTests

FROM build-base AS build-gpu
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q package -DskipTests -Pgpu

FROM build-${VARIANT} AS build

# ---- runtime ----------------------------------------------------------------------------------
FROM eclipse-temurin:${JAVA_VERSION}-jre AS jre
FROM ${CPU_IMAGE} AS base-cpu
FROM ${CUDA_IMAGE} AS base-gpu

FROM base-${VARIANT}
ARG VARIANT
LABEL org.opencontainers.image.title="Hadron" \
      org.opencontainers.image.description="KServe v2 inference server for the JVM (${VARIANT})"

# curl, for the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*

ENV JAVA_HOME=/opt/java/openjdk
ENV PATH="${JAVA_HOME}/bin:${PATH}"
# UTF-8 file names and console output without installing locales (C.UTF-8 is built into Ubuntu).
ENV LANG=C.UTF-8
COPY --from=jre /opt/java/openjdk /opt/java/openjdk

# A fixed numeric user, so that Kubernetes' runAsNonRoot can check it without looking it up.
RUN groupadd --system --gid 10001 hadron \
 && useradd --system --uid 10001 --gid hadron --home-dir /opt/hadron --shell /usr/sbin/nologin hadron \
 && mkdir -p /models \
 && chown hadron:hadron /models

COPY --from=build --chown=hadron:hadron /src/server/target/hadron-server.jar /opt/hadron/hadron-server.jar

# Every flag has an environment variable (README, "Flags"); the image serves /models by default.
ENV HADRON_MODEL_REPOSITORY=/models
# The heap gets half the container's memory: ONNX Runtime's arenas, the model weights and the
# tensors' direct buffers live outside it. Running out of memory ends the process, so that the
# orchestrator restarts it rather than leaving it half-working.
ENV JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"

VOLUME ["/models"]
# KServe v2 HTTP, KServe v2 gRPC, Prometheus metrics.
EXPOSE 8000 8001 8002

HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${HADRON_HTTP_PORT:-8000}/v2/health/ready" || exit 1

USER 10001:10001
WORKDIR /opt/hadron
# Exec form: java is PID 1 and receives SIGTERM itself, which it answers with a graceful drain.
ENTRYPOINT ["java", "-jar", "/opt/hadron/hadron-server.jar"]
