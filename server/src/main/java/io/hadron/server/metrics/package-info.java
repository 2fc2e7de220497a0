/**
 * Metrics and statistics. One Prometheus registry per server ({@link
 * io.hadron.server.metrics.ServerMetrics}), built by the server and shared by everything that
 * reports: each model version's {@link io.hadron.server.metrics.VersionMetrics}, Vert.x's HTTP
 * servers, the JVM binders and the gauges of any {@link io.hadron.core.spi.DeviceMetricsSource}.
 *
 * <p>A version's metrics listen to its scheduler (batches, rejections) and hear from the inference
 * service (each request's end, validation failures). Every figure is recorded twice from the same
 * events: into Micrometer meters resolved when the version loads, and into lock-free counters
 * behind Triton's statistics extension, which is served whether or not metrics are on. Nothing
 * below the server knows about Micrometer: the scheduler's listener and the device source are plain
 * interfaces.
 */
package io.hadron.server.metrics;
