package io.hadron.quantization.onnx;

import io.hadron.core.DataType;
import java.util.List;
import java.util.Locale;

/**
 * Tiny, well-known models generated in code, so tests and examples across Hadron need no model
 * files checked in.
 *
 * <p>Stateless and thread-safe.
 */
public final class SimpleModels {
  /**
   * IR 8 with opset 13: readable by ONNX Runtime releases of recent years, and new enough that Add,
   * Sub and Identity accept every tensor type (Identity-13 already includes bfloat16 and string).
   */
  static final long IR_VERSION = 8;

  static final long OPSET = 13;

  private SimpleModels() {}

  /**
   * Triton's example model "simple": INT32 inputs {@code INPUT0} and {@code INPUT1} of shape
   * {@code [batch, 16]}; outputs {@code OUTPUT0 = INPUT0 + INPUT1} and {@code OUTPUT1 = INPUT0 -
   * INPUT1} of the same type and shape.
   */
  public static byte[] tritonSimple() {
    return OnnxModels.toBytes(
        GraphBuilder.named("simple")
            .irVersion(IR_VERSION)
            .opset("", OPSET)
            .input("INPUT0", DataType.INT32, "batch", 16)
            .input("INPUT1", DataType.INT32, "batch", 16)
            .node("Add", List.of("INPUT0", "INPUT1"), List.of("OUTPUT0"))
            .node("Sub", List.of("INPUT0", "INPUT1"), List.of("OUTPUT1"))
            .output("OUTPUT0", DataType.INT32, "batch", 16)
            .output("OUTPUT1", DataType.INT32, "batch", 16)
            .build());
  }

  /**
   * One input {@code INPUT} of the given type and shape {@code [batch, n]} (both symbolic), one
   * output {@code OUTPUT = Identity(INPUT)}.
   */
  public static byte[] identity(DataType type) {
    return OnnxModels.toBytes(
        GraphBuilder.named("identity_" + type.name().toLowerCase(Locale.ROOT))
            .irVersion(IR_VERSION)
            .opset("", OPSET)
            .input("INPUT", type, "batch", "n")
            .node("Identity", List.of("INPUT"), List.of("OUTPUT"))
            .output("OUTPUT", type, "batch", "n")
            .build());
  }
}
