"""Emulated ARM Linux targets (Raspberry Pi 64/32-bit, Android arm64 CPU): the device's own
runtime (ai-edge-litert / tflite-runtime) in a Debian userland under qemu-user.

    verify_linux(tflite, target, inputs, samples, seed=0) -> dict   (DESIGN.md verify JSON + outputs)
    bench_linux(tflite, target) -> dict                             (DESIGN.md bench JSON + ops)
    gpu_check(tflite) -> dict                                       (LiteRT GPU delegate, our rules)
    write_bundle(tflite, target, out_dir, labels, raw_scale) -> dict     (deployment folder)

Modules: rootfs (userland builder + cache), hostref (host tflite-runtime env: that runtime's
golden), qemu_user (runner), guest (the script run on the ARM side and as the host reference),
verify, bench, gpu, bundle (+ bundle_runner, the Pi script), hazards (ops known to crash or
mislead a runtime, named before it runs: #15).
"""

from pipeline.linux.bench import bench_linux
from pipeline.linux.gpu import check as gpu_check
from pipeline.linux.verify import verify_linux


def write_bundle(tflite, target, out_dir, labels=None, raw_scale=None):
    from pipeline.linux.bundle import write_bundle as _write
    return _write(tflite, target, out_dir, labels, raw_scale)


__all__ = ["verify_linux", "bench_linux", "gpu_check", "write_bundle"]
