package io.hadron.server.http;

import io.hadron.core.HadronException;
import io.hadron.core.InferenceRequest;
import io.hadron.core.InferenceResponse;
import io.hadron.core.config.ModelConfig;
import io.hadron.server.infer.InferenceService;
import io.hadron.server.repository.ModelEntry;
import io.hadron.server.repository.ModelRepository;
import io.hadron.server.repository.ModelVersion;
import io.hadron.server.repository.Optimization;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The KServe v2 HTTP routes. Handlers decode, submit and respond — nothing else; they run on event
 * loops and never block: inference completes on an instance thread and the response is written
 * after hopping back to the request's own context.
 *
 * <p>Thread-safe: holds only immutable references to thread-safe services.
 */
public final class HttpApi {
  private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());
  private static final String JSON = "application/json";
  /** The binary tensor data extension's header: the length of the JSON part of the body. */
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  /** The protocol extensions this server reports in its metadata (HTTP and gRPC alike). */
  public static final List<String> EXTENSIONS = List.of("model_repository", "binary_tensor_data", "statistics");

  private final ModelRepository repository;
  private final InferenceService inference;
  private final BooleanSupplier ready;
  private final String serverVersion;

  /**
   * @param ready true when the server as a whole is ready (start-up loading done, not shutting down)
   */
  public HttpApi(ModelRepository repository, InferenceService inference, BooleanSupplier ready, String serverVersion) {
    this.repository = repository;
    this.inference = inference;
    this.ready = ready;
    this.serverVersion = serverVersion;
  }

  public Router router(Vertx vertx, long maxRequestBytes) {
    Router r = Router.router(vertx);
    r.get("/v2/health/live").handler(ctx -> ctx.response().setStatusCode(200).end());
    r.get("/v2/health/ready").handler(this::serverReady);
    r.get("/v2").handler(ctx -> send(ctx, 200, JsonWriter.serverMetadata("hadron", serverVersion, EXTENSIONS)));
    // Before /v2/models/:model, which would otherwise take "stats" for a model name.
    r.get("/v2/models/stats").handler(ctx -> statistics(ctx, null, null));
    r.get("/v2/models/:model/stats").handler(ctx -> statistics(ctx, ctx.pathParam("model"), null));
    r.get("/v2/models/:model/versions/:version/stats")
        .handler(ctx -> statistics(ctx, ctx.pathParam("model"), ctx.pathParam("version")));
    r.get("/v2/models/:model").handler(ctx -> metadata(ctx, null));
    r.get("/v2/models/:model/versions/:version").handler(ctx -> metadata(ctx, ctx.pathParam("version")));
    r.get("/v2/models/:model/ready").handler(ctx -> modelReady(ctx, null));
    r.get("/v2/models/:model/versions/:version/ready").handler(ctx -> modelReady(ctx, ctx.pathParam("version")));
    // No generic body handler: the body is read straight into the buffer it is decoded from.
    r.post("/v2/models/:model/infer").handler(ctx -> infer(ctx, null, maxRequestBytes));
    r.post("/v2/models/:model/versions/:version/infer")
        .handler(ctx -> infer(ctx, ctx.pathParam("version"), maxRequestBytes));
    new RepositoryRoutes(repository).mount(r);

    r.errorHandler(404, ctx -> send(ctx, 404, JsonWriter.error("no route for " + ctx.request().path())));
    r.errorHandler(405, ctx -> send(ctx, 405,
        JsonWriter.error("method " + ctx.request().method() + " is not allowed on " + ctx.request().path())));
    r.errorHandler(413, ctx -> send(ctx, 413,
        JsonWriter.error("request body exceeds the limit of " + maxRequestBytes + " bytes")));
    r.errorHandler(500, ctx -> {
      Throwable t = ctx.failure();
      if (t != null) {
        LOG.log(System.Logger.Level.ERROR, "unhandled failure on " + ctx.request().path(), t);
      }
      send(ctx, 500, JsonWriter.error(t == null ? "internal error" : t.toString()));
    });
    return r;
  }

  private void serverReady(RoutingContext ctx) {
    if (ready.getAsBoolean()) {
      ctx.response().setStatusCode(200).end();
    } else {
      // KServe v2: readiness is a boolean, 200 for true and 4xx for false.
      send(ctx, 400, JsonWriter.error("server is not ready: "
          + (repository.initialLoadDone() ? "shutting down" : "models are still loading")));
    }
  }

  private void modelReady(RoutingContext ctx, String version) {
    String model = ctx.pathParam("model");
    try {
      ModelVersion mv = repository.find(model, version);
      if (mv.isReady()) {
        ctx.response().setStatusCode(200).end();
      } else {
        send(ctx, 400, JsonWriter.error("model '" + model + "' version " + mv.version() + " is not ready: " + mv.reason()));
      }
    } catch (HadronException.Unavailable e) {
      send(ctx, 400, JsonWriter.error(e.getMessage()));
    } catch (HadronException e) {
      fail(ctx, e);
    }
  }

  private void metadata(RoutingContext ctx, String version) {
    String model = ctx.pathParam("model");
    try {
      ModelVersion mv = repository.find(model, version);
      ModelConfig config = mv.config().orElseThrow(() -> new HadronException.Unavailable(
          "model '" + model + "' version " + mv.version() + " is not ready: " + mv.reason()));
      ModelEntry entry = repository.model(model).orElseThrow();
      List<String> versions = version != null
          ? List.of(mv.versionString())
          : entry.versions().stream().filter(ModelVersion::isReady).map(ModelVersion::versionString).toList();
      send(ctx, 200, JsonWriter.modelMetadata(model, versions, config, variantParameters(mv.optimization())));
    } catch (HadronException e) {
      fail(ctx, e);
    }
  }

  /** Triton's statistics extension: every model, one model's versions, or one version. */
  private void statistics(RoutingContext ctx, String model, String version) {
    try {
      send(ctx, 200, StatisticsJson.write(repository.statistics(model, version)));
    } catch (HadronException e) {
      fail(ctx, e);
    }
  }

  /** Which variant the load-time optimizer chose, for clients that want to know what they talk to. */
  private static Map<String, Object> variantParameters(Optimization o) {
    if (o.spec().isEmpty()) {
      return Map.of();
    }
    return Map.of("hadron.optimize", o.spec(), "hadron.variant", o.variant(), "hadron.optimize.detail", o.detail());
  }

  private void infer(RoutingContext ctx, String version, long maxRequestBytes) {
    Integer headerLength;
    try {
      headerLength = headerLength(ctx.request().getHeader(HEADER_LENGTH));
      RequestBody.read(ctx, maxRequestBytes, headerLength != null, body -> {
        try {
          run(ctx, decode(ctx, version, headerLength, body));
        } catch (RuntimeException e) {
          // Called from the body's end, outside the router: a fault here must still be answered.
          LOG.log(System.Logger.Level.ERROR, "inference request on " + ctx.request().path() + " failed", e);
          send(ctx, 500, JsonWriter.error(e.toString()));
        }
      });
    } catch (HadronException e) {
      fail(ctx, e);
    }
  }

  /** The JSON header length, or null when the body is JSON alone. */
  private static Integer headerLength(String value) {
    if (value == null) {
      return null;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below, with the value.
    }
    throw new HadronException.InvalidArgument(HEADER_LENGTH + " must be a non-negative integer, got '" + value + "'");
  }

  /** Decodes the body; on a bad request answers it and returns null. */
  private InferenceRequest decode(RoutingContext ctx, String version, Integer headerLength, ByteBuffer body) {
    String model = ctx.pathParam("model");
    try {
      if (headerLength == null) {
        return InferRequestJson.decode(body.array(), body.limit(), model, version, null);
      }
      if (headerLength == 0) {
        ModelConfig config = repository.findReady(model, version).config().orElseThrow();
        return RawBodyRequest.decode(body, config, model, version);
      }
      if (headerLength > body.limit()) {
        throw new HadronException.InvalidArgument(HEADER_LENGTH + " " + headerLength
            + " is larger than the request body of " + body.limit() + " bytes");
      }
      byte[] header = new byte[headerLength];
      body.get(0, header);
      return InferRequestJson.decode(header, headerLength, model, version, new BinarySection(body, headerLength));
    } catch (HadronException e) {
      fail(ctx, e);
      return null;
    }
  }

  private void run(RoutingContext ctx, InferenceRequest request) {
    if (request == null) {
      return;
    }
    BinaryOutputs binary = BinaryOutputs.of(request);
    AtomicBoolean gone = new AtomicBoolean();
    ctx.response().closeHandler(v -> gone.set(true));
    Future.fromCompletionStage(inference.infer(request, gone::get), ctx.vertx().getOrCreateContext())
        .onComplete(ar -> {
          if (ar.succeeded()) {
            respond(ctx, ar.result(), binary);
          } else {
            Throwable t = HttpErrors.unwrap(ar.cause());
            if (t instanceof HadronException he) {
              fail(ctx, he);
            } else {
              LOG.log(System.Logger.Level.ERROR, "inference on '" + request.modelName() + "' failed", t);
              send(ctx, 500, JsonWriter.error(t.toString()));
            }
          }
        });
  }

  private static void respond(RoutingContext ctx, InferenceResponse response, BinaryOutputs binary) {
    if (!binary.any(response)) {
      send(ctx, 200, JsonWriter.inferResponse(response));
      return;
    }
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    BinaryOutputs.Body body = binary.encode(response);
    ctx.response().setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, BinaryOutputs.OCTET_STREAM)
        .putHeader(HEADER_LENGTH, Integer.toString(body.headerLength()))
        .end(body.buffer());
  }

  private static void fail(RoutingContext ctx, HadronException e) {
    send(ctx, HttpErrors.status(e), JsonWriter.error(e.getMessage()));
  }

  private static void send(RoutingContext ctx, int status, Buffer body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
  }
}
