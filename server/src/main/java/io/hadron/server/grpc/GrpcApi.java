package io.hadron.server.grpc;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import io.hadron.server.grpc.proto.GrpcService;
import io.hadron.server.grpc.proto.GrpcService.ModelConfigRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelConfigResponse;
import io.hadron.server.grpc.proto.GrpcService.ModelMetadataRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelMetadataResponse;
import io.hadron.server.grpc.proto.GrpcService.ModelReadyRequest;
import io.hadron.server.grpc.proto.GrpcService.ModelReadyResponse;
import io.hadron.server.grpc.proto.GrpcService.ModelStatisticsRequest;
import io.hadron.server.grpc.proto.GrpcService.RepositoryIndexRequest;
import io.hadron.server.grpc.proto.GrpcService.RepositoryIndexResponse;
import io.hadron.server.grpc.proto.GrpcService.RepositoryModelLoadRequest;
import io.hadron.server.grpc.proto.GrpcService.RepositoryModelLoadResponse;
import io.hadron.server.grpc.proto.GrpcService.RepositoryModelUnloadRequest;
import io.hadron.server.grpc.proto.GrpcService.RepositoryModelUnloadResponse;
import io.hadron.server.grpc.proto.GrpcService.ServerLiveRequest;
import io.hadron.server.grpc.proto.GrpcService.ServerLiveResponse;
import io.hadron.server.grpc.proto.GrpcService.ServerMetadataRequest;
import io.hadron.server.grpc.proto.GrpcService.ServerMetadataResponse;
import io.hadron.server.grpc.proto.GrpcService.ServerReadyRequest;
import io.hadron.server.grpc.proto.GrpcService.ServerReadyResponse;
import io.hadron.server.infer.InferenceService;
import io.hadron.server.repository.ModelEntry;
import io.hadron.server.repository.ModelRepository;
import io.hadron.server.repository.ModelVersion;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.common.WireFormat;
import io.vertx.grpc.server.GrpcProtocol;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The KServe v2 gRPC service, {@code inference.GRPCInferenceService}, as Triton declares it.
 * Handlers decode, submit and respond — nothing else; they run on the connection's event loop and
 * never block: inference completes on an instance thread and the reply is encoded and written
 * after hopping back to the call's own context.
 *
 * <p>Served: ServerLive, ServerReady, ModelReady, ServerMetadata, ModelMetadata, ModelInfer (raw or
 * typed contents in, raw contents out), ModelConfig, ModelStatistics (the same figures as the
 * HTTP statistics endpoint) and the repository RPCs (RepositoryIndex, RepositoryModelLoad,
 * RepositoryModelUnload). Every other RPC of Triton's service (streaming, shared memory, trace and
 * log settings) answers UNIMPLEMENTED, naming it; so does any method the service does not declare.
 *
 * <p>Messages are taken and given as bytes and (de)serialized here, not by the gRPC layer: a
 * malformed message is then an INVALID_ARGUMENT naming the message rather than a bare stream
 * reset, and ModelInfer can parse raw contents without copying them and write outputs by reference.
 *
 * <p>Thread-safe: holds only immutable references to thread-safe services.
 */
public final class GrpcApi {
  static final String PACKAGE = "inference";
  static final String SERVICE_NAME = "GRPCInferenceService";
  private static final ServiceName SERVICE = ServiceName.create(PACKAGE, SERVICE_NAME);
  private static final Set<String> TRITON_METHODS = GrpcService.getDescriptor().findServiceByName(SERVICE_NAME)
      .getMethods().stream().map(MethodDescriptor::getName).collect(Collectors.toUnmodifiableSet());

  private final ModelRepository repository;
  private final InferenceService inference;
  private final BooleanSupplier ready;
  private final String serverVersion;
  private final List<String> extensions;

  /**
   * @param ready true when the server as a whole is ready (start-up loading done, not shutting down)
   * @param extensions the protocol extensions reported by ServerMetadata
   */
  public GrpcApi(ModelRepository repository, InferenceService inference, BooleanSupplier ready, String serverVersion,
      List<String> extensions) {
    this.repository = repository;
    this.inference = inference;
    this.ready = ready;
    this.serverVersion = serverVersion;
    this.extensions = List.copyOf(extensions);
  }

  /** The gRPC request handler, to mount on an HTTP/2 (h2c) server. */
  public GrpcServer server(Vertx vertx, long maxMessageBytes) {
    GrpcServerOptions options = new GrpcServerOptions().setMaxMessageSize(maxMessageBytes);
    // Plain gRPC over HTTP/2 only, as Triton serves; no gRPC-Web or HTTP transcoding.
    for (GrpcProtocol p : GrpcProtocol.values()) {
      if (p != GrpcProtocol.HTTP_2) {
        options.removeEnabledProtocol(p);
      }
    }
    GrpcServer server = GrpcServer.server(vertx, options);
    Unary u = new Unary(vertx, server, maxMessageBytes);
    u.register("ServerLive", proto(ServerLiveRequest.parser()),
        q -> done(ServerLiveResponse.newBuilder().setLive(true).build()));
    u.register("ServerReady", proto(ServerReadyRequest.parser()),
        q -> done(ServerReadyResponse.newBuilder().setReady(ready.getAsBoolean()).build()));
    u.register("ModelReady", proto(ModelReadyRequest.parser()), q -> done(modelReady(q)));
    u.register("ServerMetadata", proto(ServerMetadataRequest.parser()), q -> done(ServerMetadataResponse
        .newBuilder().setName("hadron").setVersion(serverVersion).addAllExtensions(extensions).build()));
    u.register("ModelMetadata", proto(ModelMetadataRequest.parser()), q -> done(modelMetadata(q)));
    u.register("ModelConfig", proto(ModelConfigRequest.parser()), q -> done(modelConfig(q)));
    u.register("ModelStatistics", proto(ModelStatisticsRequest.parser()),
        q -> done(StatisticsProto.encode(repository.statistics(q.getName(), q.getVersion()))));
    u.register("RepositoryIndex", proto(RepositoryIndexRequest.parser()), q -> done(repositoryIndex(q)));
    u.register("RepositoryModelLoad", proto(RepositoryModelLoadRequest.parser()), q -> {
      checkParameters(q.getParametersMap().keySet(), Set.of());
      return repository.load(required(q.getModelName(), "model_name"))
          .<MessageLite>thenApply(v -> RepositoryModelLoadResponse.getDefaultInstance());
    });
    u.register("RepositoryModelUnload", proto(RepositoryModelUnloadRequest.parser()), q -> {
      checkParameters(q.getParametersMap().keySet(), Set.of("unload_dependents"));
      return repository.unload(required(q.getModelName(), "model_name"))
          .<MessageLite>thenApply(v -> RepositoryModelUnloadResponse.getDefaultInstance());
    });
    u.registerCall("ModelInfer", InferRequestProto::parse,
        (q, call) -> inference.infer(InferRequestProto.decode(q), call::cancelled), InferResponseProto::encode);
    server.callHandler(GrpcApi::unimplemented);
    return server;
  }

  private static <Q> Parse<Q> proto(Parser<Q> parser) {
    return payload -> parser.parseFrom(((BufferInternal) payload).getByteBuf().nioBuffer());
  }

  private static CompletionStage<MessageLite> done(MessageLite m) {
    return CompletableFuture.completedFuture(m);
  }

  private static String required(String value, String field) {
    if (value.isEmpty()) {
      throw new HadronException.InvalidArgument(field + " is empty; name the model");
    }
    return value;
  }

  private RepositoryIndexResponse repositoryIndex(RepositoryIndexRequest q) {
    RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
    for (ModelRepository.IndexEntry e : repository.index(q.getReady())) {
      b.addModels(RepositoryIndexResponse.ModelIndex.newBuilder()
          .setName(e.name()).setVersion(e.version()).setState(e.state()).setReason(e.reason()));
    }
    return b.build();
  }

  /** Parameters Triton's clients may send; those that mean nothing here (no ensembles) are accepted. */
  private static void checkParameters(Set<String> given, Set<String> accepted) {
    for (String k : given) {
      if (!accepted.contains(k)) {
        throw new HadronException.Unsupported("repository parameter '" + k + "' is not supported"
            + (accepted.isEmpty() ? "" : "; supported: " + accepted));
      }
    }
  }

  private ModelReadyResponse modelReady(ModelReadyRequest q) {
    boolean isReady;
    try {
      isReady = repository.find(required(q.getName(), "name"), q.getVersion()).isReady();
    } catch (HadronException.Unavailable e) {
      // A known model without a loadable version: not ready, which is an answer, not an error.
      isReady = false;
    }
    return ModelReadyResponse.newBuilder().setReady(isReady).build();
  }

  private ModelMetadataResponse modelMetadata(ModelMetadataRequest q) {
    String model = required(q.getName(), "name");
    String version = q.getVersion().isEmpty() ? null : q.getVersion();
    ModelVersion mv = repository.find(model, version);
    ModelConfig config = loadedConfig(mv);
    ModelEntry entry = repository.model(model).orElseThrow();
    List<String> versions = version != null
        ? List.of(mv.versionString())
        : entry.versions().stream().filter(ModelVersion::isReady).map(ModelVersion::versionString).toList();
    ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
        .setName(model).addAllVersions(versions).setPlatform(config.platform());
    for (TensorConfig t : config.inputs()) {
      b.addInputs(tensorMetadata(t, config.batched()));
    }
    for (TensorConfig t : config.outputs()) {
      b.addOutputs(tensorMetadata(t, config.batched()));
    }
    return b.build();
  }

  private static ModelMetadataResponse.TensorMetadata tensorMetadata(TensorConfig t, boolean batched) {
    ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(t.name()).setDatatype(t.datatype().wireName());
    for (long d : t.shapeWithBatch(batched)) {
      b.addShape(d);
    }
    return b.build();
  }

  private ModelConfigResponse modelConfig(ModelConfigRequest q) {
    ModelVersion mv = repository.find(required(q.getName(), "name"), q.getVersion());
    return ModelConfigResponse.newBuilder().setConfig(ModelConfigProto.toProto(loadedConfig(mv))).build();
  }

  private static ModelConfig loadedConfig(ModelVersion mv) {
    return mv.config().orElseThrow(() -> new HadronException.Unavailable(
        "model '" + mv.modelName() + "' version " + mv.version() + " is not ready: " + mv.reason()));
  }

  private static void unimplemented(GrpcServerRequest<Buffer, Buffer> request) {
    String method = request.fullMethodName();
    String name = request.methodName();
    boolean triton = request.serviceName() != null && SERVICE.fullyQualifiedName()
        .equals(request.serviceName().fullyQualifiedName()) && TRITON_METHODS.contains(name);
    String message = !triton
        ? "unknown method '" + method + "'; this server serves " + SERVICE.fullyQualifiedName()
        : method + " is not implemented by this server";
    GrpcCall.answer(request.response(), GrpcStatus.UNIMPLEMENTED, message);
  }

  /** Parses a request message; a malformed one is answered as INVALID_ARGUMENT. */
  @FunctionalInterface
  private interface Parse<Q> {
    Q parse(Buffer payload) throws InvalidProtocolBufferException;
  }

  /** Registers unary methods that take and give serialized messages. Confined to set-up. */
  private record Unary(Vertx vertx, GrpcServer server, long maxMessageBytes) {
    /** A method whose answer needs nothing of the call (metadata, health). */
    <Q> void register(String method, Parse<Q> parse, Function<Q, CompletionStage<MessageLite>> rpc) {
      registerCall(method, parse, (q, call) -> rpc.apply(q), m -> BufferInternal.buffer(m.toByteArray()));
    }

    <Q, R> void registerCall(String method, Parse<Q> parse, CallFunction<Q, R> rpc, Function<R, Buffer> encode) {
      ServiceMethod<Buffer, Buffer> sm =
          ServiceMethod.server(SERVICE, method, GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);
      server.callHandler(sm, request -> {
        Context context = vertx.getOrCreateContext();
        GrpcCall call = new GrpcCall(vertx, request, maxMessageBytes);
        if (request.format() != WireFormat.PROTOBUF) {
          call.fail(GrpcStatus.UNIMPLEMENTED, "only the protobuf wire format is served, not " + request.format());
          return;
        }
        request.last().onComplete(last -> {
          if (call.answered()) {
            return;
          }
          if (last.failed()) {
            call.fail(GrpcStatus.INVALID_ARGUMENT, method + " takes exactly one request message, got none");
            return;
          }
          Q q;
          try {
            q = parse.parse(last.result());
          } catch (InvalidProtocolBufferException e) {
            call.fail(GrpcStatus.INVALID_ARGUMENT, "malformed " + method + " request message: " + e.getMessage());
            return;
          } catch (RuntimeException e) {
            call.fail(e);
            return;
          }
          CompletionStage<R> result;
          try {
            result = rpc.apply(q, call);
          } catch (RuntimeException e) {
            call.fail(e);
            return;
          }
          Future.fromCompletionStage(result, context).onComplete(r -> {
            if (r.failed()) {
              call.fail(r.cause());
            } else if (!call.answered()) {
              try {
                call.reply(encode.apply(r.result()));
              } catch (RuntimeException e) {
                call.fail(e);
              }
            }
          });
        });
      });
    }
  }

  /** A method's body: turns the parsed request into a pending result. */
  @FunctionalInterface
  private interface CallFunction<Q, R> {
    CompletionStage<R> apply(Q request, GrpcCall call);
  }
}
