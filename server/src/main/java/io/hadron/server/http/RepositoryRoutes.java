package io.hadron.server.http;

import io.hadron.core.HadronException;
import io.hadron.server.repository.ModelRepository;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The model repository extension (Triton's {@code /v2/repository}): the index, and loading and
 * unloading models when model control is explicit or on-demand. Loads and unloads run on the
 * repository's loader pool; the handler answers when they are done, from the request's context.
 *
 * <p>Thread-safe: holds only an immutable reference to the thread-safe repository.
 */
final class RepositoryRoutes {
  /** Control requests are a few parameters; anything larger is not one. */
  private static final int MAX_BODY_BYTES = 64 * 1024;
  /** Parameters Triton's clients send that mean nothing here (no ensembles): accepted, ignored. */
  private static final Set<String> UNLOAD_PARAMETERS = Set.of("unload_dependents");

  private final ModelRepository repository;

  RepositoryRoutes(ModelRepository repository) {
    this.repository = repository;
  }

  void mount(Router r) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
    r.post("/v2/repository/index").handler(body).handler(this::index);
    r.post("/v2/repository/models/:model/load").handler(body)
        .handler(ctx -> control(ctx, Set.of(), repository::load));
    r.post("/v2/repository/models/:model/unload").handler(body)
        .handler(ctx -> control(ctx, UNLOAD_PARAMETERS, repository::unload));
  }

  private void index(RoutingContext ctx) {
    try {
      JsonObject q = body(ctx);
      Object ready = q.getValue("ready");
      if (ready != null && !(ready instanceof Boolean)) {
        throw new HadronException.InvalidArgument("'ready' must be a boolean, got " + ready);
      }
      for (String k : q.fieldNames()) {
        if (!k.equals("ready") && !k.equals("repository_name")) {
          throw new HadronException.InvalidArgument("unknown field '" + k + "' in a repository index request");
        }
      }
      send(ctx, 200, JsonWriter.repositoryIndex(repository.index(Boolean.TRUE.equals(ready))));
    } catch (HadronException e) {
      send(ctx, HttpErrors.status(e), JsonWriter.error(e.getMessage()));
    }
  }

  private void control(RoutingContext ctx, Set<String> accepted, Function<String, CompletableFuture<Void>> action) {
    String model = ctx.pathParam("model");
    CompletableFuture<Void> done;
    try {
      JsonObject q = body(ctx);
      for (String k : q.fieldNames()) {
        if (!k.equals("parameters")) {
          throw new HadronException.InvalidArgument("unknown field '" + k + "' in a repository request");
        }
      }
      Object params = q.getValue("parameters");
      if (params != null && !(params instanceof JsonObject)) {
        throw new HadronException.InvalidArgument("'parameters' must be an object, got " + params);
      }
      if (params instanceof JsonObject p) {
        for (String k : p.fieldNames()) {
          if (!accepted.contains(k)) {
            throw new HadronException.Unsupported("repository parameter '" + k + "' is not supported"
                + (accepted.isEmpty() ? "" : "; supported: " + accepted));
          }
        }
      }
      done = action.apply(model);
    } catch (HadronException e) {
      send(ctx, HttpErrors.status(e), JsonWriter.error(e.getMessage()));
      return;
    }
    Future.fromCompletionStage(done, ctx.vertx().getOrCreateContext()).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end("{}");
      } else {
        Throwable t = HttpErrors.unwrap(ar.cause());
        HadronException he = t instanceof HadronException h ? h : new HadronException.Internal(t.toString(), t);
        send(ctx, HttpErrors.status(he), JsonWriter.error(he.getMessage()));
      }
    });
  }

  /** The request's JSON object; an absent body is an empty object. */
  private static JsonObject body(RoutingContext ctx) {
    Buffer b = ctx.body() == null ? null : ctx.body().buffer();
    if (b == null || b.length() == 0) {
      return new JsonObject();
    }
    try {
      return new JsonObject(b);
    } catch (DecodeException | ClassCastException e) {
      throw new HadronException.InvalidArgument("request body is not a JSON object: " + e.getMessage());
    }
  }

  private static void send(RoutingContext ctx, int status, Buffer body) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
    }
  }
}
