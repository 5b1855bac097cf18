/* Board I/O over the board's UART (uart.h driver): the flashable image. Nothing here needs a
 * debugger, so the same ELF runs on the real board and under QEMU (-serial to a file). After the
 * last line it prints "EDGEDISTILL EXIT <code>" and sleeps: a board has nowhere to exit to. */
#include "board.h"
#include "uart.h"

void ed_board_init(void) { ed_uart_init(); }

void ed_puts(const char *s) {
    while (*s) ed_uart_putc(*s++);
    ed_uart_putc('\r');
    ed_uart_putc('\n');
}

void ed_exit(int code) {
    char line[] = "EDGEDISTILL EXIT 0";
    line[sizeof line - 2] = (char)('0' + (code & 7));
    ed_puts(line);
    for (;;) __asm volatile("wfi");
}
