package io.hadron.backend.pytorch;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes small TorchScript archives without Python: the zip layout {@code torch.jit.save}
 * produces for a module without parameters. {@code archive/code/__torch__.py} holds the module's
 * TorchScript source, which libtorch compiles on load; {@code archive/data.pkl} is the pickled
 * module object (pickle protocol 2: {@code GLOBAL __torch__ Net}, an empty argument tuple, {@code
 * NEWOBJ}, then {@code BUILD} with the state {@code {"training": True}}); {@code constants.pkl} is
 * an empty tuple. Entries are stored uncompressed, as PyTorch writes them.
 *
 * <p>Enough to exercise the TorchScript path end to end (loading, positional arguments, tuple
 * outputs, every datatype) with real libtorch; models with weights come from {@code torch.jit.save}.
 * Public for the server's PyTorch tests (this module's test jar).
 */
public final class TorchScriptArchives {
  private TorchScriptArchives() {}

  /**
   * An archive of module {@code Net} whose forward is {@code body}.
   *
   * @param signature the argument list after {@code self} and the return annotation, e.g.
   *     {@code "x: Tensor) -> Tensor"}
   * @param body the statements of forward, each line indented by four spaces
   */
  static Path write(Path file, String signature, String body) {
    String code = "class Net(Module):\n"
        + "  __parameters__ = []\n"
        + "  __buffers__ = []\n"
        + "  training : bool\n"
        + "  def forward(self: __torch__.Net,\n"
        + "    " + signature + ":\n"
        + body;
    byte[] data = concat(new byte[] {(byte) 0x80, 2}, "c__torch__\nNet\n)".getBytes(StandardCharsets.US_ASCII),
        new byte[] {(byte) 0x81, '}', '(', 'X', 8, 0, 0, 0}, "training".getBytes(StandardCharsets.US_ASCII),
        new byte[] {(byte) 0x88, 'u', 'b', '.'});
    try {
      Files.createDirectories(file.getParent());
      try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
        stored(zip, "archive/data.pkl", data);
        stored(zip, "archive/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
        stored(zip, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
        stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        stored(zip, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code forward(x) = x.clone()}: a copy of its one input, of any datatype. */
  static Path cloning(Path file) {
    return write(file, "x: Tensor) -> Tensor", "    return torch.clone(x)\n");
  }

  /** {@code forward(x) = x}: returns its input tensor itself. */
  static Path identity(Path file) {
    return write(file, "x: Tensor) -> Tensor", "    return x\n");
  }

  /** {@code forward(x, y) = (relu(x + y), x * 2)}. */
  public static Path twoInTwoOut(Path file) {
    return write(file, "x: Tensor,\n    y: Tensor) -> Tuple[Tensor, Tensor]",
        "    _0 = torch.relu(torch.add(x, y))\n    _1 = torch.mul(x, 2)\n    return (_0, _1)\n");
  }

  private static void stored(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(bytes.length);
    e.setCompressedSize(bytes.length);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(bytes);
    zip.closeEntry();
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
