/* Flashable harness: the samples embedded in flash (samples.c, generated with the outputs
 * tflite-micro gives for them) run through the model; each output goes out as a line
 *   EDGEDISTILL OUT <k> <hex bytes> cycles=<hex>
 * then "EDGEDISTILL PASS <matched>/<n>" or "EDGEDISTILL FAIL ...". Cycles come from DWT->CYCCNT
 * on real ARMv7-M/v8-M silicon; QEMU does not emulate it and prints 0. */
#include <stdint.h>

#include "bench.h"
#include "board.h"
#include "harness_config.h"
#include "model.h"
#include "samples.h"

static ED_IO_T out_buf[MODEL_OUTPUT_ELEMENTS];

static void cycle_counter_start(void) {
#if !defined(__ARM_ARCH_6M__)
    *(volatile uint32_t *)0xE000EDFCu |= 1u << 24;   /* DEMCR.TRCENA */
    *(volatile uint32_t *)0xE0001004u = 0;           /* DWT_CYCCNT */
    *(volatile uint32_t *)0xE0001000u |= 1u;         /* DWT_CTRL.CYCCNTENA */
#endif
}

static uint32_t cycles(void) {
#if !defined(__ARM_ARCH_6M__)
    return *(volatile uint32_t *)0xE0001004u;
#else
    return 0;
#endif
}

static char *put_hex_bytes(char *p, const uint8_t *b, uint32_t n) {
    static const char digits[] = "0123456789abcdef";
    for (uint32_t i = 0; i < n; ++i) {
        *p++ = digits[b[i] >> 4];
        *p++ = digits[b[i] & 15];
    }
    return p;
}

static char line[2 * sizeof out_buf + 64];

int main(void) {
    uint32_t matched = 0;
    cycle_counter_start();
    for (uint32_t k = 0; k < ED_SAMPLES; ++k) {
        ed_paint_stack();
        const uint32_t c0 = cycles();
        bench_start();
        model_invoke(ed_inputs[k], out_buf);
        bench_stop();
        const uint32_t c1 = cycles();
        int same = 1;
        for (uint32_t i = 0; i < MODEL_OUTPUT_ELEMENTS; ++i) same &= out_buf[i] == ed_expected[k][i];
        matched += (uint32_t)same;
        char hex[11], *p = line;
        for (const char *s = "EDGEDISTILL OUT "; *s;) *p++ = *s++;
        for (const char *s = ed_hex32(hex, k); *s;) *p++ = *s++;
        *p++ = ' ';
        p = put_hex_bytes(p, (const uint8_t *)out_buf, sizeof out_buf);
        for (const char *s = " cycles="; *s;) *p++ = *s++;
        for (const char *s = ed_hex32(hex, c1 - c0); *s;) *p++ = *s++;
        *p = 0;
        ed_puts(line);
    }
    char hex[11], *p = line;
    for (const char *s = matched == ED_SAMPLES ? "EDGEDISTILL PASS " : "EDGEDISTILL FAIL "; *s;) *p++ = *s++;
    for (const char *s = ed_hex32(hex, matched); *s;) *p++ = *s++;
    *p++ = '/';
    for (const char *s = ed_hex32(hex, ED_SAMPLES); *s;) *p++ = *s++;
    *p = 0;
    ed_puts(line);
    ed_puts("EDGEDISTILL DONE");
    return matched == ED_SAMPLES ? ED_EXIT_OK : 1;
}
