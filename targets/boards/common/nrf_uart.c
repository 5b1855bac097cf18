/* Nordic nRF51 UART0 (also the nRF52's legacy UART0, same registers at the same address),
 * polled, 115200 8N1, no flow control. ED_UART_TXD_PIN comes from board.toml (nRF52: pin
 * number + 32 * port). Register offsets and values: nRF51 Series Reference Manual v3.0, ch. 29
 * (UART) and nRF52840 Product Specification v1.1, 6.33 (UART). */
#include <stdint.h>

#include "uart.h"

#define REG(off) (*(volatile uint32_t *)(0x40002000u + (off)))
#define UART_TASKS_STARTTX REG(0x008)
#define UART_EVENTS_TXDRDY REG(0x11C)   /* set when a byte has left TXD */
#define UART_ENABLE REG(0x500)          /* 4: UART enabled */
#define UART_PSELTXD REG(0x50C)
#define UART_PSELRXD REG(0x514)
#define UART_TXD REG(0x51C)
#define UART_BAUDRATE REG(0x524)
#define UART_CONFIG REG(0x56C)          /* 0: no parity, no flow control */

#define BAUD_115200 0x01D7E000u         /* the manual's BAUDRATE value for 115200 baud */
#define PIN_DISCONNECTED 0xFFFFFFFFu

void ed_uart_init(void) {
    UART_PSELTXD = ED_UART_TXD_PIN;
    UART_PSELRXD = PIN_DISCONNECTED;   /* transmit only */
    UART_BAUDRATE = BAUD_115200;
    UART_CONFIG = 0;
    UART_ENABLE = 4;
    UART_TASKS_STARTTX = 1;
}

void ed_uart_putc(char c) {
    UART_EVENTS_TXDRDY = 0;
    UART_TXD = (uint8_t)c;
    while (!UART_EVENTS_TXDRDY) {}
}
