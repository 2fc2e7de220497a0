package io.hadron.quantization.optimize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hadron.core.HadronException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class OptimizationSpecTest {
  @Test
  void parsesTheDocumentedForms() {
    assertTrue(OptimizationSpec.parse("int8").int8().isPresent());
    assertTrue(OptimizationSpec.parse("fp16").fp16().orElseThrow().keepIoTypes());
    assertFalse(OptimizationSpec.parse("fp16:fp16-io").fp16().orElseThrow().keepIoTypes());
    assertEquals(0.5, OptimizationSpec.parse("prune:0.5").prune().orElseThrow().sparsity());
    OptimizationSpec both = OptimizationSpec.parse(" prune:2:4 , INT8:per-tensor+no-smoothing ");
    assertTrue(both.prune().orElseThrow().twoOfFour());
    assertFalse(both.int8().orElseThrow().perChannel());
    assertFalse(both.int8().orElseThrow().smoothing());
  }

  @Test
  void canonicalFormIsStableAndDistinguishesOptions() {
    assertEquals(OptimizationSpec.parse("int8").canonical(),
        OptimizationSpec.parse(" INT8 ").canonical());
    assertFalse(OptimizationSpec.parse("int8").canonical()
        .equals(OptimizationSpec.parse("int8:per-tensor").canonical()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "int4", "int8,fp16", "int8,prune:0.5", "prune:1.5", "prune:x",
      "prune:0.5,prune:0.3", "int8:fast", "fp16:x", "int8,,"})
  void badSpecsAreRefusedNamingTheStep(String spec) {
    var e = assertThrows(HadronException.InvalidArgument.class, () -> OptimizationSpec.parse(spec));
    assertTrue(e.getMessage().contains("spec"), e.getMessage());
  }
}
