/* Emulator harness: N samples through the model in one QEMU run.
 * in.bin (N packed inputs) is read and out.bin (N packed outputs) written through semihosting
 * in QEMU's working directory; each inference sits between bench_start/bench_stop; the stack
 * is repainted before each one. Last line: "EDGEDISTILL DONE samples=.. stack=.." (hex). */
#include <stdint.h>

#include "bench.h"
#include "board.h"
#include "harness_config.h"   /* ED_IO_T: the model's I/O element type (generated) */
#include "model.h"
#include "semihost.h"

static ED_IO_T in_buf[MODEL_INPUT_ELEMENTS];
static ED_IO_T out_buf[MODEL_OUTPUT_ELEMENTS];

int main(void) {
    const int32_t fin = ed_sh_open("in.bin", 1);
    const int32_t fout = ed_sh_open("out.bin", 5);
    if (fin < 0 || fout < 0) {
        ed_puts("EDGEDISTILL ERROR cannot open in.bin or out.bin");
        return ED_EXIT_IO;
    }
    const int32_t n = ed_sh_flen(fin) / (int32_t)sizeof in_buf;
    uint32_t peak = 0;
    for (int32_t i = 0; i < n; ++i) {
        if (ed_sh_read(fin, in_buf, sizeof in_buf) != 0) {
            ed_puts("EDGEDISTILL ERROR short read from in.bin");
            return ED_EXIT_IO;
        }
        ed_paint_stack();
        bench_start();
        model_invoke(in_buf, out_buf);
        bench_stop();
        const uint32_t s = ed_stack_peak();
        peak = s > peak ? s : peak;
        if (ed_sh_write(fout, out_buf, sizeof out_buf) != 0) {
            ed_puts("EDGEDISTILL ERROR short write to out.bin");
            return ED_EXIT_IO;
        }
    }
    ed_sh_close(fin);
    ed_sh_close(fout);
    char line[64] = "EDGEDISTILL DONE samples=", *p = line + 25, hex[11];
    for (const char *s = ed_hex32(hex, (uint32_t)n); *s;) *p++ = *s++;
    for (const char *s = " stack="; *s;) *p++ = *s++;
    for (const char *s = ed_hex32(hex, peak); *s;) *p++ = *s++;
    *p = 0;
    ed_puts(line);
    return ED_EXIT_OK;
}
