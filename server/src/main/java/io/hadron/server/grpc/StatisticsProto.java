package io.hadron.server.grpc;

import io.hadron.server.grpc.proto.GrpcService.InferBatchStatistics;
import io.hadron.server.grpc.proto.GrpcService.InferStatistics;
import io.hadron.server.grpc.proto.GrpcService.ModelStatisticsResponse;
import io.hadron.server.grpc.proto.GrpcService.StatisticDuration;
import io.hadron.server.metrics.ModelStatistics;
import java.util.List;

/**
 * Triton's statistics as the gRPC {@code ModelStatisticsResponse}: the same figures as the HTTP
 * statistics endpoint. Cache figures are left at their zero defaults.
 *
 * <p>Stateless and thread-safe.
 */
final class StatisticsProto {
  private StatisticsProto() {}

  static ModelStatisticsResponse encode(List<ModelStatistics> all) {
    ModelStatisticsResponse.Builder r = ModelStatisticsResponse.newBuilder();
    for (ModelStatistics s : all) {
      var m = r.addModelStatsBuilder()
          .setName(s.name())
          .setVersion(s.version())
          .setLastInference(s.lastInferenceMillis())
          .setInferenceCount(s.inferenceCount())
          .setExecutionCount(s.executionCount())
          .setInferenceStats(InferStatistics.newBuilder()
              .setSuccess(duration(s.success()))
              .setFail(duration(s.fail()))
              .setQueue(duration(s.queue()))
              .setComputeInput(duration(s.computeInput()))
              .setComputeInfer(duration(s.computeInfer()))
              .setComputeOutput(duration(s.computeOutput())));
      for (ModelStatistics.Batch b : s.batches()) {
        m.addBatchStats(InferBatchStatistics.newBuilder()
            .setBatchSize(b.batchSize())
            .setComputeInput(duration(b.computeInput()))
            .setComputeInfer(duration(b.computeInfer()))
            .setComputeOutput(duration(b.computeOutput())));
      }
    }
    return r.build();
  }

  private static StatisticDuration duration(ModelStatistics.Duration d) {
    return StatisticDuration.newBuilder().setCount(d.count()).setNs(d.ns()).build();
  }
}
