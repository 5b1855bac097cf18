/* What every board + I/O layer provides to the start-up code and the harness. */
#ifndef ED_BOARD_H
#define ED_BOARD_H

#include <stdint.h>

void ed_board_init(void);                      /* clocks/UART; nothing under semihosting */
void ed_puts(const char *s);                   /* one line of text to the host */
__attribute__((noreturn)) void ed_exit(int code);
/* frame: the exception stack frame (r0-r3, r12, lr, pc, xpsr) or 0; exc: EXC_RETURN */
__attribute__((noreturn)) void ed_fault_report(uint32_t *frame, uint32_t exc);

/* Exit codes the host runner understands (pipeline/firmware/qemu.py). */
#define ED_EXIT_OK 0
#define ED_EXIT_IO 2       /* harness could not read inputs or write outputs */
#define ED_EXIT_FAULT 3    /* a fault report line was printed first */

/* "0x" + 8 hex digits + NUL into buf[11] */
static inline char *ed_hex32(char *buf, uint32_t v) {
    static const char digits[] = "0123456789abcdef";
    buf[0] = '0'; buf[1] = 'x';
    for (int i = 0; i < 8; ++i) buf[2 + i] = digits[(v >> (28 - 4 * i)) & 0xF];
    buf[10] = 0;
    return buf;
}

#endif
