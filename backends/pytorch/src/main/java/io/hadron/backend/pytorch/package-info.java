/**
 * The PyTorch backend: libtorch through DJL's PyTorch engine behind the Backend SPI. Backend
 * {@code pytorch}, platform {@code pytorch_libtorch}, model file {@code <version>/model.pt}.
 *
 * <h2>Model files</h2>
 *
 * The file's first bytes decide its format:
 *
 * <ul>
 *   <li><b>TorchScript</b> (a zip archive from {@code torch.jit.save} / {@code torch.jit.trace}):
 *       loaded with libtorch's {@code torch::jit::load}, mapped onto the instance's device.
 *   <li><b>DJL parameters</b> (a file starting with {@code DJL@}, as DJL's {@code Model.save(dir,
 *       name)} writes it to {@code <name>-0000.params}; copy it to {@code <version>/model.pt}): for
 *       networks written in Java with DJL's Block API. The configuration parameter {@code
 *       hadron.djl.block_factory} names a class on the server's class path that implements {@link
 *       io.hadron.backend.pytorch.BlockFactory} and has a public no-argument constructor. For each
 *       instance the backend calls {@code newBlock(config)}, reads the file's parameters into the
 *       block ({@code Block.loadParameters}) and runs it. The factory must build the same structure
 *       the parameters were saved from; it need not initialise the block.
 * </ul>
 *
 * A TorchScript file with {@code hadron.djl.block_factory} set, or a DJL file without it, is an
 * InvalidArgument error saying which.
 *
 * <h2>Configuration</h2>
 *
 * TorchScript keeps no names, datatypes or shapes for its arguments, so {@code complete()} cannot
 * fill in inputs and outputs: a configuration without them is an InvalidArgument error asking for
 * them in config.pbtxt. Arguments are positional: when every input is named {@code <x>__<i>} with
 * indices 0..n-1 ({@code INPUT__0}, {@code INPUT__1}), the index is the position, otherwise the
 * order in the configuration is; outputs likewise pick elements of the returned tuple ({@code
 * OUTPUT__0}, ...). Inputs may not be optional. Datatypes: TYPE_BOOL, TYPE_UINT8, TYPE_INT8,
 * TYPE_INT32, TYPE_INT64, TYPE_FP16, TYPE_FP32, TYPE_FP64. TYPE_STRING and the types DJL 0.36's
 * PyTorch JNI cannot exchange (TYPE_INT16, TYPE_BF16, TYPE_UINT16/32/64) are refused at load with
 * an Unsupported error naming the tensor. With {@code max_batch_size > 0} tensors carry the batch as
 * their first dimension. Each output is checked against its declared datatype and dims (batch
 * included) after every run; a mismatch is an Internal error naming the output.
 *
 * <h2>Instances and devices</h2>
 *
 * Each instance owns a DJL {@code Model}, its native tensors and module. Instance groups follow the
 * onnxruntime backend: KIND_CPU and KIND_AUTO without GPUs run on the CPU; KIND_GPU places {@code
 * count} instances on each listed GPU ({@code gpu0} when none is listed) when the engine reports
 * GPUs, otherwise the load fails with Unavailable giving the reason. Unloading closes every model
 * and then empties libtorch's CUDA cache where there is one.
 *
 * <h2>Natives, offline</h2>
 *
 * The engine never uses the network. The CPU build of libtorch comes from the jars {@code
 * ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64} and {@code
 * ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0} on the class path, unpacked on first use into the
 * folder named by the system property {@code hadron.pytorch.cache-dir} (default {@code
 * <java.io.tmpdir>/hadron-<user.name>/pytorch}; DJL adds {@code
 * pytorch/2.7.1-20250812-cpu-linux-x86_64/}, about 450 MB). The backend hands that folder to DJL as
 * the system properties {@code ENGINE_CACHE_DIR} and {@code DJL_CACHE_DIR} and sets {@code
 * ai.djl.offline=true}. A GPU deployment provides a CUDA build of libtorch 2.7.1 itself: the
 * environment variables {@code PYTORCH_LIBRARY_PATH} (the folder holding {@code libtorch.so}),
 * {@code PYTORCH_VERSION=2.7.1} and {@code PYTORCH_FLAVOR=cu128}; the matching JNI glue is in the
 * {@code pytorch-jni} jar. Where DJL would download instead (no natives, a {@code PYTORCH_VERSION}
 * or {@code PYTORCH_FLAVOR} that does not match the jar, a JNI jar of another version) the load
 * fails with Unavailable naming what is missing.
 *
 * <h2>Threads</h2>
 *
 * PyTorch's intra-op and inter-op thread pools are process-wide, shared by every model and
 * instance, and the inter-op size can be set only once. The first load starts the engine with the
 * server's {@code BackendOptions} (intra-op and inter-op threads; 0 lets PyTorch decide) unless the
 * JVM was started with {@code -Dai.djl.pytorch.num_threads} / {@code
 * -Dai.djl.pytorch.num_interop_threads}; later loads cannot change them (a warning is logged). With
 * several instances, set intra-op threads to about cores / instances.
 */
package io.hadron.backend.pytorch;
