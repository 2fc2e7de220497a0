package io.hadron.core;

import java.util.HashMap;
import java.util.Map;

/**
 * The KServe v2 tensor datatypes with their element sizes and the names used on the wire and in
 * Triton's {@code config.pbtxt}.
 *
 * <p>Immutable. {@link #BYTES} has no fixed element size: each element is serialized as a 4-byte
 * little-endian length followed by that many bytes (the KServe v2 binary layout), so
 * {@link #byteSize()} returns {@code -1} for it.
 */
public enum DataType {
  BOOL(1, "TYPE_BOOL"),
  UINT8(1, "TYPE_UINT8"),
  UINT16(2, "TYPE_UINT16"),
  UINT32(4, "TYPE_UINT32"),
  UINT64(8, "TYPE_UINT64"),
  INT8(1, "TYPE_INT8"),
  INT16(2, "TYPE_INT16"),
  INT32(4, "TYPE_INT32"),
  INT64(8, "TYPE_INT64"),
  FP16(2, "TYPE_FP16"),
  BF16(2, "TYPE_BF16"),
  FP32(4, "TYPE_FP32"),
  FP64(8, "TYPE_FP64"),
  BYTES(-1, "TYPE_STRING");

  private static final Map<String, DataType> BY_WIRE_NAME = new HashMap<>();
  private static final Map<String, DataType> BY_CONFIG_NAME = new HashMap<>();

  static {
    for (DataType t : values()) {
      BY_WIRE_NAME.put(t.name(), t);
      BY_CONFIG_NAME.put(t.configName, t);
    }
  }

  private final int byteSize;
  private final String configName;

  DataType(int byteSize, String configName) {
    this.byteSize = byteSize;
    this.configName = configName;
  }

  /** Bytes per element, or {@code -1} for the variable-length {@link #BYTES}. */
  public int byteSize() {
    return byteSize;
  }

  /** True for every type with a fixed element size. */
  public boolean isFixedSize() {
    return byteSize > 0;
  }

  /** The name used by the KServe v2 protocol ("FP32", "BYTES", ...). */
  public String wireName() {
    return name();
  }

  /** The name used by Triton's model configuration ("TYPE_FP32", "TYPE_STRING", ...). */
  public String configName() {
    return configName;
  }

  public boolean isFloatingPoint() {
    return this == FP16 || this == BF16 || this == FP32 || this == FP64;
  }

  public boolean isUnsigned() {
    return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
  }

  public boolean isInteger() {
    return switch (this) {
      case UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64 -> true;
      default -> false;
    };
  }

  /**
   * Looks up a protocol datatype name.
   *
   * @throws HadronException.InvalidArgument naming the unknown value
   */
  public static DataType fromWireName(String name) {
    DataType t = name == null ? null : BY_WIRE_NAME.get(name);
    if (t == null) {
      throw new HadronException.InvalidArgument(
          "unknown datatype '" + name + "'; expected one of " + BY_WIRE_NAME.keySet().stream().sorted().toList());
    }
    return t;
  }

  /**
   * Looks up a Triton configuration datatype name ("TYPE_FP32").
   *
   * @throws HadronException.InvalidArgument naming the unknown value
   */
  public static DataType fromConfigName(String name) {
    DataType t = name == null ? null : BY_CONFIG_NAME.get(name);
    if (t == null) {
      throw new HadronException.InvalidArgument("unsupported data_type '" + name + "'");
    }
    return t;
  }
}
