/* Flashable harness: the samples embedded in flash (samples.c, generated with the outputs
 * tflite-micro gives for them) run through the model; each sample prints
 *   EDGEDISTILL OUT <k> <hex bytes>[ cycles=<n>]
 *   EDGEDISTILL CYCLES <k> <n> <dwt|systick>        or  EDGEDISTILL CYCLES <k> unavailable (<why>)
 * then "EDGEDISTILL CYCLES summary <min> <max> <source>" (or "... summary unavailable (<why>)"),
 * and "EDGEDISTILL PASS <matched>/<n>" or "EDGEDISTILL FAIL ...". k, n, min, max: 0x + 8 hex.
 * Cycles come from DWT_CYCCNT or SysTick (cycles.h); when ed_cycles_init() finds the counter
 * untrustworthy (QEMU: DWT reads 0, SysTick runs on host time) one
 * "EDGEDISTILL CYCLES unavailable (<why>)" line comes first, no cycles= and no per-sample line.
 * The summary has figures only when every sample has one. */
#include <stdint.h>

#include "bench.h"
#include "board.h"
#include "cycles.h"
#include "harness_config.h"
#include "model.h"
#include "samples.h"

static ED_IO_T out_buf[MODEL_OUTPUT_ELEMENTS];

static char *put(char *p, const char *s) {
    while (*s) *p++ = *s++;
    return p;
}

static char *put_hex32(char *p, uint32_t v) {
    char hex[11];
    return put(p, ed_hex32(hex, v));
}

static char *put_hex_bytes(char *p, const uint8_t *b, uint32_t n) {
    static const char digits[] = "0123456789abcdef";
    for (uint32_t i = 0; i < n; ++i) {
        *p++ = digits[b[i] >> 4];
        *p++ = digits[b[i] & 15];
    }
    return p;
}

static char line[2 * sizeof out_buf + 160];    /* the longest fixed line: 40 + a reason under 100 */

/* The window the QEMU plugin counts, in its own function so that the cycle reads around the
 * call cannot change the instructions inside it (they did, by 3, on the Cortex-M0+ when main's
 * register allocation moved the argument set-up between the markers). */
__attribute__((noinline)) static void ed_infer(const ED_IO_T *in) {
    bench_start();
    model_invoke(in, out_buf);
    bench_stop();
    __asm volatile("" ::: "memory");    /* no tail call: the epilogue would land inside the window */
}

/* finish the line at p with "unavailable (<why>)" and send it */
static void put_unavailable(char *p, const char *why) {
    p = put(put(p, "unavailable ("), why);
    *p++ = ')';
    *p = 0;
    ed_puts(line);
}

int main(void) {
    uint32_t matched = 0, lo = 0xFFFFFFFFu, hi = 0, counted = 0;
    const char *no_counter = ed_cycles_init();
    const char *why = no_counter;
    if (no_counter) put_unavailable(put(line, "EDGEDISTILL CYCLES "), no_counter);
    for (uint32_t k = 0; k < ED_SAMPLES; ++k) {
        ed_paint_stack();
        const uint32_t t0 = ed_cycles_begin();
        ed_infer(ed_inputs[k]);
        uint32_t n = 0;
        const char *late = no_counter ? no_counter : ed_cycles_end(t0, &n);
        int same = 1;
        for (uint32_t i = 0; i < MODEL_OUTPUT_ELEMENTS; ++i) same &= out_buf[i] == ed_expected[k][i];
        matched += (uint32_t)same;
        char *p = put_hex32(put(line, "EDGEDISTILL OUT "), k);
        *p++ = ' ';
        p = put_hex_bytes(p, (const uint8_t *)out_buf, sizeof out_buf);
        if (!late) p = put_hex32(put(p, " cycles="), n);
        *p = 0;
        ed_puts(line);
        if (no_counter) continue;
        p = put_hex32(put(line, "EDGEDISTILL CYCLES "), k);
        if (late) {
            why = late;
            put_unavailable(put(p, " "), late);
            continue;
        }
        p = put(put(put_hex32(put(p, " "), n), " "), ED_CYCLES_SOURCE);
        *p = 0;
        ed_puts(line);
        lo = n < lo ? n : lo;
        hi = n > hi ? n : hi;
        ++counted;
    }
    if (counted == ED_SAMPLES) {     /* a max over some samples would understate */
        char *p = put(put_hex32(put(put_hex32(put(line, "EDGEDISTILL CYCLES summary "), lo), " "), hi), " ");
        *put(p, ED_CYCLES_SOURCE) = 0;
        ed_puts(line);
    } else {
        put_unavailable(put(line, "EDGEDISTILL CYCLES summary "), why ? why : "no samples");
    }
    char *p = put(line, matched == ED_SAMPLES ? "EDGEDISTILL PASS " : "EDGEDISTILL FAIL ");
    p = put_hex32(put(put_hex32(p, matched), "/"), ED_SAMPLES);
    *p = 0;
    ed_puts(line);
    ed_puts("EDGEDISTILL DONE");
    return matched == ED_SAMPLES ? ED_EXIT_OK : 1;
}
