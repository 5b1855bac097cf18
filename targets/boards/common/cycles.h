/* Core clock cycles around one inference, for the flashable harness (harness_uart.c).
 *
 * Chosen at compile time from the architecture macro GCC defines for -mcpu:
 *   __ARM_ARCH_7M__ (M3), __ARM_ARCH_7EM__ (M4, M7), __ARM_ARCH_8M_MAIN__ (M33, and M55 with
 *   the GCC we use), __ARM_ARCH_8_1M_MAIN__                     -> DWT_CYCCNT, 32 bits, counts up
 *   __ARM_ARCH_6M__ (M0, M0+), __ARM_ARCH_8M_BASE__ (M23)        -> SysTick, 24 bits, counts down
 * and checked at run time by ed_cycles_init(), which returns why the counter cannot be trusted
 * (0 when it can): the DWT may lack a cycle counter (DWT_CTRL.NOCYCCNT), and an emulator may
 * read it as 0 or clock SysTick from host time (QEMU 7.2 does both), so a calibration loop whose
 * minimum cost in cycles is known must take at least that many counts.
 * Registers: ARMv7-M / ARMv8-M ARM (DEMCR C1.6, DWT C1.8, SysTick B3.3), ARMv6-M ARM (B3.3).
 *
 * A measurement is read just outside bench_start/bench_stop, so the instructions the QEMU
 * plugin counts between the markers are the same as without it; the cycles therefore include
 * the two marker calls (a few cycles). */
#ifndef ED_CYCLES_H
#define ED_CYCLES_H

#include <stdint.h>

#define ED_REG(a) (*(volatile uint32_t *)(a))

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__) || \
    defined(__ARM_ARCH_8_1M_MAIN__)
#define ED_CYCLES_DWT 1
#define ED_CYCLES_SOURCE "dwt"
/* subs + taken bne: at least 1 cycle per iteration even where they dual-issue (M7, M55) */
#define ED_LOOP_MIN_CYCLES 1u
#define ED_SUBS_1 "subs %0, #1"      /* GCC's inline asm is in unified syntax here */
#elif defined(__ARM_ARCH_6M__) || defined(__ARM_ARCH_8M_BASE__)
#define ED_CYCLES_SYSTICK 1
#define ED_CYCLES_SOURCE "systick"
/* subs 1 cycle + taken branch 2 (M0+ TRM; 3 on the M0) */
#define ED_LOOP_MIN_CYCLES 3u
#define ED_SUBS_1 "sub %0, #1"       /* divided syntax for Thumb-1 (GCC's default): still SUBS */
#else
#error "cycles.h: no cycle counter known for this architecture"
#endif

#define ED_DEMCR 0xE000EDFCu         /* bit 24 TRCENA: enables the DWT */
#define ED_DWT_CTRL 0xE0001000u      /* bit 0 CYCCNTENA; bit 25 NOCYCCNT: no cycle counter */
#define ED_DWT_CYCCNT 0xE0001004u
#define ED_DWT_LAR 0xE0001FB0u       /* software lock (Cortex-M7): 0xC5ACCE55 unlocks; else RAZ/WI */
#define ED_SYST_CSR 0xE000E010u      /* bit 0 ENABLE, bit 2 CLKSOURCE (1: core clock), bit 16 COUNTFLAG */
#define ED_SYST_RVR 0xE000E014u
#define ED_SYST_CVR 0xE000E018u      /* a write clears it to 0 and clears COUNTFLAG */
#define ED_SYST_MAX 0x00FFFFFFu

/* Calibration: 100,000 iterations, >= 300,000 cycles on SysTick cores (well under 2^24), and a
 * few ms at 16 MHz. Under QEMU the loop takes about a millisecond of host time. */
#define ED_LOOP_N 100000u

static inline void ed_spin(uint32_t n) {
    __asm volatile("1: " ED_SUBS_1 "\n bne 1b" : "+l"(n) : : "cc");
}

#if ED_CYCLES_DWT
static inline uint32_t ed_cycles_begin(void) { return ED_REG(ED_DWT_CYCCNT); }

/* 0: the count in *n; else why there is none */
static inline const char *ed_cycles_end(uint32_t t0, uint32_t *n) {
    *n = ED_REG(ED_DWT_CYCCNT) - t0;     /* modulo 2^32: one wrap is harmless, two are not seen */
    return 0;
}

static const char *ed_cycles_init(void) {
    ED_REG(ED_DEMCR) |= 1u << 24;
    ED_REG(ED_DWT_LAR) = 0xC5ACCE55u;
    if (ED_REG(ED_DWT_CTRL) & (1u << 25)) return "DWT has no cycle counter: DWT_CTRL.NOCYCCNT is set";
    ED_REG(ED_DWT_CYCCNT) = 0;
    ED_REG(ED_DWT_CTRL) |= 1u;
    const uint32_t t0 = ed_cycles_begin();
    ed_spin(ED_LOOP_N);
    uint32_t n;
    ed_cycles_end(t0, &n);
    if (n == 0) return "DWT_CYCCNT does not count: not emulated, as under QEMU";
    if (n < ED_LOOP_N * ED_LOOP_MIN_CYCLES) return "DWT_CYCCNT counts slower than the core clock";
    return 0;
}
#else
/* Reloaded per inference: with no SysTick handler in the vector table, COUNTFLAG tells that the
 * 24-bit count wrapped, and that inference then has no figure. */
static inline uint32_t ed_cycles_begin(void) {
    ED_REG(ED_SYST_CVR) = 0;                 /* reload on the next tick */
    (void)ED_REG(ED_SYST_CSR);               /* reading clears COUNTFLAG */
    /* Silicon reloads on the next cycle; QEMU 7.2 reads 0 for a while (measured) */
    uint32_t t = 0;
    for (uint32_t i = 0; i < 16 && t == 0; ++i) t = ED_REG(ED_SYST_CVR);
    return t;
}

static inline const char *ed_cycles_end(uint32_t t0, uint32_t *n) {
    const uint32_t t1 = ED_REG(ED_SYST_CVR);
    *n = (t0 - t1) & ED_SYST_MAX;
    if (t0 == 0) return "SysTick did not reload";
    return (ED_REG(ED_SYST_CSR) & (1u << 16)) ? "SysTick wrapped: over 2^24 cycles" : 0;
}

static const char *ed_cycles_init(void) {
    ED_REG(ED_SYST_RVR) = ED_SYST_MAX;
    ED_REG(ED_SYST_CVR) = 0;
    ED_REG(ED_SYST_CSR) = (1u << 2) | 1u;    /* core clock, enabled, no interrupt */
    const uint32_t t0 = ed_cycles_begin();
    ed_spin(ED_LOOP_N);
    uint32_t n;
    const char *why = ed_cycles_end(t0, &n);
    if (!why && n == 0) why = "SysTick does not count";
    if (why && t0 == 0) why = "SysTick does not count: QEMU 7.2 reads it as 0";
    if (!why && n < ED_LOOP_N * ED_LOOP_MIN_CYCLES)
        why = "SysTick counts slower than the core clock: host time, as under QEMU";
    if (!why) {
        /* The same loop again: an ARMv6-M core has no cache and runs it in the same cycles to
         * within a few, while QEMU's SysTick follows host time, which a loaded host stretches by
         * far more than 0.1 % (and can stretch past the minimum above: seen in a full test run) */
        const uint32_t t1 = ed_cycles_begin();
        ed_spin(ED_LOOP_N);
        uint32_t m;
        why = ed_cycles_end(t1, &m);
        const uint32_t d = m > n ? m - n : n - m;
        if (!why && d > n / 1000 + 8) why = "SysTick does not repeat: host time, as under QEMU";
    }
    if (why) ED_REG(ED_SYST_CSR) = 0;
    return why;
}
#endif

#endif
