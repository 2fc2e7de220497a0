package io.hadron.quantization.onnx;

import io.hadron.quantization.onnx.proto.ModelProto;
import io.hadron.quantization.onnx.proto.OperatorSetIdProto;
import java.util.OptionalLong;

/**
 * Reads and extends a model's operator-set imports.
 *
 * <p>Stateless and thread-safe.
 */
public final class Opsets {
  /** ONNX Runtime's contrib-op domain. */
  public static final String MICROSOFT = "com.microsoft";

  private Opsets() {}

  /** The imported version of {@code domain} ("" and "ai.onnx" both mean the default domain). */
  public static OptionalLong version(ModelProto model, String domain) {
    String wanted = normalize(domain);
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      if (normalize(o.getDomain()).equals(wanted)) {
        return OptionalLong.of(o.getVersion());
      }
    }
    return OptionalLong.empty();
  }

  /** The version of the default ONNX domain, or 0 if the model does not import it. */
  public static long defaultVersion(ModelProto model) {
    return version(model, "").orElse(0);
  }

  /**
   * The model with {@code domain} imported at {@code version} if it was not imported yet. An
   * existing import is left alone: raising the version of an imported domain could change what its
   * existing nodes mean.
   */
  public static ModelProto ensure(ModelProto model, String domain, long version) {
    if (version(model, domain).isPresent()) {
      return model;
    }
    return model.toBuilder()
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version))
        .build();
  }

  private static String normalize(String domain) {
    return domain.equals("ai.onnx") ? "" : domain;
  }
}
