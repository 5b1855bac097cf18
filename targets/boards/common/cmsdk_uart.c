/* Arm CMSDK APB UART (MPS2/MPS3 FPGA images), polled. ED_UART_BASE comes from board.toml. */
#include <stdint.h>

#include "uart.h"

#define UART_DATA (*(volatile uint32_t *)(ED_UART_BASE + 0x00))
#define UART_STATE (*(volatile uint32_t *)(ED_UART_BASE + 0x04))   /* bit 0: TX buffer full */
#define UART_CTRL (*(volatile uint32_t *)(ED_UART_BASE + 0x08))    /* bit 0: TX enable */
#define UART_BAUDDIV (*(volatile uint32_t *)(ED_UART_BASE + 0x10))

void ed_uart_init(void) {
    UART_BAUDDIV = ED_UART_BAUDDIV;   /* peripheral clock / baud rate, >= 16 */
    UART_CTRL = 1;
}

void ed_uart_putc(char c) {
    while (UART_STATE & 1u) {}
    UART_DATA = (uint8_t)c;
}
