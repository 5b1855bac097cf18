/* RP2040 UART0 (an Arm PL011) on GP0, polled, 115200 8N1, transmit only. Registers and values:
 * the RP2040 Datasheet's chapters on subsystem resets, clocks, XOSC, GPIO and UART (addresses,
 * offsets and bit positions checked against the RP2040 register headers: RESETS 0x4000C000,
 * CLOCKS 0x40008000, XOSC 0x40024000, IO_BANK0 0x40014000, UART0 0x40034000). The core clock is
 * switched to the Pico's 12 MHz crystal first: the ring oscillator the chip starts on varies
 * too widely to time a baud rate. Not run on silicon. */
#include <stdint.h>

#include "uart.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

#define RESETS_RESET REG(0x4000C000u)
#define RESETS_RESET_DONE REG(0x4000C008u)
#define RESET_IO_BANK0 (1u << 5)
#define RESET_PADS_BANK0 (1u << 8)
#define RESET_UART0 (1u << 22)

#define XOSC_CTRL REG(0x40024000u)
#define XOSC_STATUS REG(0x40024004u)
#define XOSC_STARTUP REG(0x4002400Cu)
#define XOSC_ENABLE (0xFABu << 12)
#define XOSC_RANGE_1_15MHZ 0xAA0u
#define XOSC_STABLE (1u << 31)
/* startup delay in units of 256 crystal cycles: 1 ms at 12 MHz = 12,000 cycles -> 47 */
#define XOSC_DELAY_1MS ((12000u + 255u) / 256u)

#define CLK_REF_CTRL REG(0x40008030u)
#define CLK_REF_SELECTED REG(0x40008038u)
#define CLK_SYS_CTRL REG(0x4000803Cu)
#define CLK_SYS_SELECTED REG(0x40008044u)
#define CLK_PERI_CTRL REG(0x40008048u)
#define CLK_REF_SRC_XOSC 2u            /* CLK_REF_CTRL.SRC; SELECTED is one-hot: bit 2 */
#define CLK_SYS_SRC_REF 0u             /* CLK_SYS_CTRL.SRC; SELECTED bit 0 */
#define CLK_PERI_ENABLE (1u << 11)     /* CLK_PERI_CTRL.AUXSRC (bits 7:5) 0 = clk_sys */

#define GPIO0_CTRL REG(0x40014004u)    /* IO_BANK0: GPIOn_CTRL at 8n + 4 */
#define GPIO_FUNC_UART 2u

#define UART_DR REG(0x40034000u)
#define UART_FR REG(0x40034018u)
#define UART_IBRD REG(0x40034024u)
#define UART_FBRD REG(0x40034028u)
#define UART_LCR_H REG(0x4003402Cu)
#define UART_CR REG(0x40034030u)
#define FR_TXFF (1u << 5)
#define LCR_H_8BIT_FIFO ((3u << 5) | (1u << 4))   /* WLEN = 8 bits, FEN */
#define CR_UARTEN_TXE ((1u << 0) | (1u << 8))

/* 12 MHz / (16 x 115200) = 6.5104: integer 6, fraction 0.5104 x 64 = 33 (115,107 baud, -0.08 %) */
#define BAUD_IBRD 6u
#define BAUD_FBRD 33u

void ed_uart_init(void) {
    XOSC_CTRL = XOSC_RANGE_1_15MHZ;
    XOSC_STARTUP = XOSC_DELAY_1MS;
    XOSC_CTRL = XOSC_RANGE_1_15MHZ | XOSC_ENABLE;
    while (!(XOSC_STATUS & XOSC_STABLE)) {}
    CLK_REF_CTRL = CLK_REF_SRC_XOSC;
    while (!(CLK_REF_SELECTED & (1u << CLK_REF_SRC_XOSC))) {}
    CLK_SYS_CTRL = CLK_SYS_SRC_REF;                 /* clk_sys = clk_ref = 12 MHz */
    while (!(CLK_SYS_SELECTED & (1u << CLK_SYS_SRC_REF))) {}
    CLK_PERI_CTRL = CLK_PERI_ENABLE;                /* clk_peri = clk_sys: the UART's clock */

    const uint32_t blocks = RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_UART0;
    RESETS_RESET &= ~blocks;
    while ((RESETS_RESET_DONE & blocks) != blocks) {}
    GPIO0_CTRL = GPIO_FUNC_UART;                    /* GP0 = UART0 TX */

    UART_IBRD = BAUD_IBRD;
    UART_FBRD = BAUD_FBRD;
    UART_LCR_H = LCR_H_8BIT_FIFO;                   /* written after the divisors: it latches them */
    UART_CR = CR_UARTEN_TXE;
}

void ed_uart_putc(char c) {
    while (UART_FR & FR_TXFF) {}
    UART_DR = (uint8_t)c;
}
