"""Host target: build the compiled C with gcc, run it natively, verify it against the
tflite-micro interpreter.

    build_host([sources...], out_dir) -> executable   (one binary can hold many models)
    run_host(exe, inputs, model=0) -> outputs         (N samples through a file, one process)
    verify_host(tflite, inputs, samples) -> {...}     (the JSON of `edgedistill verify --json`)
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from pipeline import sandbox
from pipeline.compiler.sources import Sources, compile_model, random_inputs
from pipeline.errors import UserError
from pipeline.stages.verify import compare
from pipeline.targets import kernel_dir

# Limits of one run_host run. The harness is single-threaded (CPU seconds = wall seconds, the
# same bound as the 600 s timeout) and its arena is static: the MLPerf Tiny models stay under
# 2.1 MiB resident (measured), so 1 GiB of address space stops only a runaway allocation.
HOST_LIMITS = sandbox.Limits(cpu_s=600, address_space=1 * sandbox.GiB, file_size=256 * sandbox.MiB)
# ASan/UBSan builds (SANITIZE) reserve ~20 TiB of shadow and allocator space at start, so
# RLIMIT_AS cannot bound them: ASan's own limits do. hard_rss_limit_mb: a watcher thread kills
# the process past 1 GiB resident (measured: the MLPerf Tiny models need 8 MiB under ASan; a
# 1 MiB malloc+memset loop dies at ~1 GiB in 3 s); max_allocation_size_mb with
# allocator_may_return_null: one huge malloc returns NULL.
SANITIZED_LIMITS = sandbox.Limits(cpu_s=600, address_space=None, file_size=256 * sandbox.MiB)
ASAN_OPTIONS = "hard_rss_limit_mb=1024:max_allocation_size_mb=1024:allocator_may_return_null=1"


def _harness(models: list[Sources]) -> str:
    inc = "\n".join(f'#include "{s.prefix}model.h"' for s in models)
    wrappers, table = [], []
    for i, s in enumerate(models):
        ct = "int8_t" if s.io_dtype == "int8" else "float"
        wrappers.append(f"static int call{i}(const void *in, void *out) "
                        f"{{ return {s.prefix}model_invoke((const {ct} *)in, ({ct} *)out); }}")
        size = 1 if s.io_dtype == "int8" else 4
        table.append(f"    {{call{i}, {s.input_elements * size}, {s.output_elements * size}}},")
    return f"""/* Host runner: run_host MODEL_INDEX IN.bin OUT.bin N -- N samples, packed inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
{inc}

typedef struct {{ int (*invoke)(const void *, void *); size_t in_bytes, out_bytes; }} entry_t;
{chr(10).join(wrappers)}
static const entry_t models[] = {{
{chr(10).join(table)}
}};

int main(int argc, char **argv) {{
    if (argc != 5) {{ fprintf(stderr, "usage: %s MODEL IN OUT N\\n", argv[0]); return 2; }}
    const int m = atoi(argv[1]);
    const long n = atol(argv[4]);
    if (m < 0 || m >= (int)(sizeof models / sizeof models[0])) return 2;
    const entry_t *e = &models[m];
    FILE *fi = fopen(argv[2], "rb"), *fo = fopen(argv[3], "wb");
    if (!fi || !fo) {{ perror("open"); return 2; }}
    void *in = malloc(e->in_bytes), *out = malloc(e->out_bytes);
    for (long i = 0; i < n; ++i) {{
        if (fread(in, 1, e->in_bytes, fi) != e->in_bytes) {{ fprintf(stderr, "short input\\n"); return 2; }}
        if (e->invoke(in, out) != 0) return 3;
        fwrite(out, 1, e->out_bytes, fo);
    }}
    free(in); free(out); fclose(fi); fclose(fo);
    return 0;
}}
"""


SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def build_host(models: list[Sources] | Sources, out_dir: Path, sanitize: bool = False,
               opt: str = "-O2", name: str = "model_host") -> Path:
    """Write sources (+ a copy of the kernels) into out_dir and build one native executable."""
    if isinstance(models, Sources):
        models = [models]
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise UserError("no C compiler found for the host target", "install gcc (apt-get install gcc)")
    out_dir = Path(out_dir)
    kdir = out_dir / "kernels"
    kdir.mkdir(parents=True, exist_ok=True)
    for f in sorted(kernel_dir().iterdir()):
        if f.suffix in (".c", ".h"):
            shutil.copyfile(f, kdir / f.name)
    srcs = []
    for s in models:
        for fname, text in s.files.items():
            (out_dir / fname).write_text(text)
            if fname.endswith(".c"):
                srcs.append(str(out_dir / fname))
    (out_dir / "main.c").write_text(_harness(models))
    exe = out_dir / name
    cmd = [cc, "-std=c11", opt, "-Wall", "-Wextra", "-Werror", "-I", str(kdir), "-I", str(out_dir),
           *(SANITIZE if sanitize else []), str(out_dir / "main.c"), *srcs,
           *sorted(str(f) for f in kdir.glob("*.c")), "-o", str(exe), "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"host build failed:\n{' '.join(cmd)}\n{r.stderr[-4000:]}")
    return exe


def run_host(exe: Path, inputs: np.ndarray, model: int = 0, out_elements: int | None = None,
             out_dtype=np.int8) -> np.ndarray:
    """inputs: (N, input_elements) of the model's I/O type -> (N, output_elements)."""
    inputs = np.ascontiguousarray(inputs)
    n = inputs.shape[0]
    exe = Path(exe).resolve()
    asan = b"__asan_init" in exe.read_bytes()     # linked with ASan (build_host's SANITIZE)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d).resolve()
        fin, fout = d / "in.bin", d / "out.bin"
        fin.write_bytes(inputs.tobytes())
        # the executable alone, read-only: not its build folder
        r = sandbox.run([exe, model, fin, fout, n], d, SANITIZED_LIMITS if asan else HOST_LIMITS,
                        ro=[exe], env={"ASAN_OPTIONS": ASAN_OPTIONS} if asan else None, timeout=600)
        if r.returncode != 0:
            # the head says what went wrong (ASan's report), the tail where
            err = r.stderr if len(r.stderr) <= 4000 else f"{r.stderr[:1000]}\n...\n{r.stderr[-3000:]}"
            raise RuntimeError(f"{exe.name} {sandbox.describe(r.returncode)}: {err}")
        out = np.frombuffer(fout.read_bytes(), dtype=out_dtype)
    return out.reshape(n, -1 if out_elements is None else out_elements)


def host_inputs(src, inputs: np.ndarray | None, samples: int, seed: int = 0) -> tuple[np.ndarray, type]:
    """(the `samples` inputs flattened in the model's input type, random unless given; the
    output type) for a compiled model `src`."""
    if inputs is None:
        x = random_inputs(src, samples, seed)
    else:
        x = np.asarray(inputs).reshape(len(inputs), -1)[:samples]
        x = x.astype(np.int8 if src.io_dtype == "int8" else np.float32)
    return x, (np.int8 if src.io_dtype == "int8" else np.float32)


def verify_host(tflite: bytes, inputs: np.ndarray | None, samples: int, seed: int = 0,
                sanitize: bool = False) -> dict:
    """Build the AOT C for this machine, run it on `samples` inputs (random unless given) and
    compare with the tflite-micro interpreter bit for bit."""
    src = compile_model(tflite, "host")
    x, out_dtype = host_inputs(src, inputs, samples, seed)
    with tempfile.TemporaryDirectory() as d:
        exe = build_host(src, Path(d), sanitize=sanitize)
        ours = run_host(exe, x, 0, src.output_elements, out_dtype)
    from pipeline.runtimes import isolated      # the model is untrusted: tflite-micro in the sandbox
    ref = isolated.reference_outputs(tflite, x).reshape(len(x), -1).astype(out_dtype)
    r = compare(ours, ref)
    return {"target": "host", "reference": "tflite-micro", "samples": r["samples"],
            "bitexact": r["bitexact"], "max_abs_diff": r["max_abs_diff"], "outputs": ours}
