package io.hadron.gpupool;

import jcuda.Pointer;

/**
 * A JCuda pointer whose address can be read as a number. JCuda keeps the address in a protected
 * field; a subclass may read it from itself, so allocations are made into instances of this class.
 *
 * <p>Confined to the thread that allocates with it, until it is published under a pool's lock.
 */
final class DevicePointer extends Pointer {
  DevicePointer() {}

  /** A pointer to an address known as a number, to pass to JCuda calls. */
  DevicePointer(long address) {
    super(address);
  }

  long address() {
    return getNativePointer() + getByteOffset();
  }
}
