/* Benchmark markers and stack painting, shared by both harnesses.
 * The QEMU counting plugin snapshots its instruction count when the first instruction of
 * bench_start / bench_stop executes: the difference is one inference (plus a constant few
 * instructions of call/return). The two bodies differ so the linker's identical-code folding
 * can never merge them into one address. */
#ifndef ED_BENCH_H
#define ED_BENCH_H

#include <stdint.h>

extern uint32_t __stack_top, __stack_limit;
static volatile uint32_t ed_bench_state;

__attribute__((noinline, used)) void bench_start(void) { ed_bench_state = 1; }
__attribute__((noinline, used)) void bench_stop(void) { ed_bench_state = 2; }

#define ED_PAINT 0xA5A5A5A5u

/* Paint the free stack below our own frame (64 bytes of margin for this function). */
__attribute__((noinline)) static void ed_paint_stack(void) {
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = &__stack_limit; p < sp - 16; ++p) *p = ED_PAINT;
}

/* Bytes of stack ever used since the last paint, measured from the top (the whole firmware's
 * depth at its deepest point: start-up + main + the inference). */
static uint32_t ed_stack_peak(void) {
    const uint32_t *p = &__stack_limit;
    while (p < &__stack_top && *p == ED_PAINT) ++p;
    return (uint32_t)((const uint8_t *)&__stack_top - (const uint8_t *)p);
}

#endif
