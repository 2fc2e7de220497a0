package io.hadron.server.grpc;

import io.hadron.core.config.DynamicBatching;
import io.hadron.core.config.InstanceGroup;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.QueuePolicy;
import io.hadron.core.config.TensorConfig;
import io.hadron.core.config.VersionPolicy;
import io.hadron.server.config.proto.TritonConfig;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model's completed configuration in Triton's schema, for the {@code ModelConfig} RPC: the same
 * message {@code config.pbtxt} is parsed into, so a client reads back the settings the server runs
 * with, including those auto-completed from the model file.
 *
 * <p>Stateless and thread-safe.
 */
final class ModelConfigProto {
  private ModelConfigProto() {}

  static TritonConfig.ModelConfig toProto(ModelConfig c) {
    TritonConfig.ModelConfig.Builder b = TritonConfig.ModelConfig.newBuilder()
        .setName(c.name())
        .setPlatform(c.platform())
        .setBackend(c.backend())
        .setMaxBatchSize(c.maxBatchSize())
        .setVersionPolicy(versionPolicy(c.versionPolicy()));
    for (TensorConfig t : c.inputs()) {
      TritonConfig.ModelInput.Builder in = b.addInputBuilder()
          .setName(t.name())
          .setDataType(dataType(t))
          .setOptional(t.optional());
      for (long d : t.dims()) {
        in.addDims(d);
      }
    }
    for (TensorConfig t : c.outputs()) {
      TritonConfig.ModelOutput.Builder out = b.addOutputBuilder().setName(t.name()).setDataType(dataType(t));
      for (long d : t.dims()) {
        out.addDims(d);
      }
    }
    for (InstanceGroup g : c.instanceGroups()) {
      b.addInstanceGroupBuilder()
          .setName(g.name())
          .setKind(TritonConfig.ModelInstanceGroup.Kind.valueOf(g.kind().name()))
          .setCount(g.count())
          .addAllGpus(g.gpus());
    }
    c.dynamicBatching().ifPresent(db -> b.setDynamicBatching(dynamicBatching(db)));
    new TreeMap<>(c.parameters()).forEach((k, v) ->
        b.putParameters(k, TritonConfig.ModelParameter.newBuilder().setStringValue(v).build()));
    return b.build();
  }

  /** Core's config names are Triton's enum names ("TYPE_FP32", "TYPE_STRING"). */
  private static TritonConfig.DataType dataType(TensorConfig t) {
    return TritonConfig.DataType.valueOf(t.datatype().configName());
  }

  private static TritonConfig.ModelVersionPolicy versionPolicy(VersionPolicy p) {
    TritonConfig.ModelVersionPolicy.Builder b = TritonConfig.ModelVersionPolicy.newBuilder();
    switch (p) {
      case VersionPolicy.Latest l -> b.setLatest(
          TritonConfig.ModelVersionPolicy.Latest.newBuilder().setNumVersions(l.numVersions()));
      case VersionPolicy.All a -> b.setAll(TritonConfig.ModelVersionPolicy.All.getDefaultInstance());
      case VersionPolicy.Specific s -> b.setSpecific(
          TritonConfig.ModelVersionPolicy.Specific.newBuilder().addAllVersions(s.versions().stream().sorted().toList()));
    }
    return b.build();
  }

  private static TritonConfig.ModelDynamicBatching dynamicBatching(DynamicBatching db) {
    TritonConfig.ModelDynamicBatching.Builder b = TritonConfig.ModelDynamicBatching.newBuilder()
        .addAllPreferredBatchSize(db.preferredBatchSizes())
        .setMaxQueueDelayMicroseconds(db.maxQueueDelayMicros())
        .setPreserveOrdering(db.preserveOrdering())
        .setPriorityLevels(db.priorityLevels())
        .setDefaultPriorityLevel(db.defaultPriorityLevel())
        .setDefaultQueuePolicy(queuePolicy(db.defaultQueuePolicy()));
    for (Map.Entry<Integer, QueuePolicy> e : new TreeMap<>(db.priorityQueuePolicy()).entrySet()) {
      b.putPriorityQueuePolicy(e.getKey(), queuePolicy(e.getValue()));
    }
    return b.build();
  }

  private static TritonConfig.ModelQueuePolicy queuePolicy(QueuePolicy q) {
    return TritonConfig.ModelQueuePolicy.newBuilder()
        .setTimeoutAction(TritonConfig.ModelQueuePolicy.TimeoutAction.valueOf(q.timeoutAction().name()))
        .setDefaultTimeoutMicroseconds(q.defaultTimeoutMicros())
        .setAllowTimeoutOverride(q.allowTimeoutOverride())
        .setMaxQueueSize(q.maxQueueSize())
        .build();
  }
}
