package io.hadron.backend.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.DataType;
import io.hadron.core.HadronException;
import io.hadron.core.config.ModelConfig;
import io.hadron.core.config.TensorConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignatureTest {
  private static TensorConfig t(String name) {
    return new TensorConfig(name, DataType.FP32, new long[] {2}, false);
  }

  private static List<String> names(List<TensorConfig> ts) {
    return ts.stream().map(TensorConfig::name).toList();
  }

  @Test
  void indexSuffixesGivePositions() {
    assertEquals(List.of("B__0", "A__1", "C__2"), names(Signature.ordered(List.of(t("A__1"), t("C__2"), t("B__0")))));
  }

  @Test
  void otherwiseTheConfigurationOrderHolds() {
    assertEquals(List.of("y", "x"), names(Signature.ordered(List.of(t("y"), t("x")))));
    // One name without a suffix, a gap or a repeated index: configuration order.
    assertEquals(List.of("A__1", "b"), names(Signature.ordered(List.of(t("A__1"), t("b")))));
    assertEquals(List.of("A__2", "B__0"), names(Signature.ordered(List.of(t("A__2"), t("B__0")))));
  }

  @Test
  void unsupportedDatatypesAreRefusedNamingTheTensor() {
    for (DataType type : List.of(DataType.BYTES, DataType.INT16, DataType.BF16, DataType.UINT16,
        DataType.UINT32, DataType.UINT64)) {
      ModelConfig c = ModelConfig.builder("m").addInput(t("INPUT__0"))
          .addOutput(new TensorConfig("OUTPUT__0", type, new long[] {2}, false)).build();
      var e = assertThrows(HadronException.Unsupported.class, () -> Signature.of(c));
      assertTrue(e.getMessage().contains("'OUTPUT__0'") && e.getMessage().contains(type.configName()),
          e.getMessage());
    }
  }

  @Test
  void optionalInputsAreRefused() {
    ModelConfig c = ModelConfig.builder("m").addInput(new TensorConfig("x", DataType.FP32, new long[] {2}, true))
        .addOutput(t("y")).build();
    var e = assertThrows(HadronException.InvalidArgument.class, () -> Signature.of(c));
    assertTrue(e.getMessage().contains("'x' is optional"), e.getMessage());
  }
}
