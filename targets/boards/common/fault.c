/* Fault report: one line the host parses (pipeline/firmware/faults.py), then exit code 3.
 *   EDGEDISTILL FAULT kind=<hardfault|stack-overflow> pc=.. lr=.. sp=.. cfsr=.. hfsr=.. bfar=..
 * Runs on its own stack (startup.c). The exception frame is read only when it lies inside the
 * stack region: after an overflow the hardware could not write it. */
#include <stdint.h>

#include "board.h"

extern uint32_t __stack_top, __stack_limit;

#if defined(__ARM_ARCH_6M__)
#define HAS_FAULT_STATUS 0   /* ARMv6-M has no CFSR/HFSR/BFAR */
#else
#define HAS_FAULT_STATUS 1
#endif

static char *append(char *p, const char *s) {
    while (*s) *p++ = *s++;
    return p;
}

static char *field(char *p, const char *name, uint32_t v) {
    char hex[11];
    p = append(p, name);
    return append(p, ed_hex32(hex, v));
}

void ed_fault_report(uint32_t *frame, uint32_t exc) {
    uint32_t cfsr = 0, hfsr = 0, bfar = 0;
#if HAS_FAULT_STATUS
    cfsr = *(volatile uint32_t *)0xE000ED28u;
    hfsr = *(volatile uint32_t *)0xE000ED2Cu;
    bfar = *(volatile uint32_t *)0xE000ED38u;
#endif
    const uint32_t sp = (uint32_t)frame;
    const int frame_ok = sp >= (uint32_t)&__stack_limit && sp + 32 <= (uint32_t)&__stack_top;
    /* MSTKERR (bit 4), BSTKERR (bit 12), STKOF (bit 20, v8-M): stacking failed / hit MSPLIM */
    const int overflow = !frame_ok || (cfsr & ((1u << 4) | (1u << 12) | (1u << 20)));
    char line[160];
    char *p = append(line, "EDGEDISTILL FAULT kind=");
    p = append(p, overflow ? "stack-overflow" : "hardfault");
    p = field(p, " pc=", frame_ok ? frame[6] : 0);
    p = field(p, " lr=", frame_ok ? frame[5] : 0);
    p = field(p, " sp=", sp);
    p = field(p, " exc=", exc);
    p = field(p, " cfsr=", cfsr);
    p = field(p, " hfsr=", hfsr);
    p = field(p, " bfar=", bfar);
    *p = 0;
    ed_puts(line);
    ed_exit(ED_EXIT_FAULT);
}
