/* STM32F4 USART1 on PA9 (TX, AF7), 115200 8N1 from the 16 MHz HSI the chip starts on.
 * No clock set-up and no busy-wait on RCC flags: QEMU leaves RCC/GPIO unimplemented (writes
 * ignored, reads 0), so the same image runs on the emulator and on the board. */
#include <stdint.h>

#include "uart.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_AHB1ENR REG(0x40023830u)
#define RCC_APB2ENR REG(0x40023844u)
#define GPIOA_MODER REG(0x40020000u)
#define GPIOA_AFRH REG(0x40020024u)
#define USART1_SR REG(0x40011000u)    /* bit 7: TXE */
#define USART1_DR REG(0x40011004u)
#define USART1_BRR REG(0x40011008u)
#define USART1_CR1 REG(0x4001100Cu)   /* bit 13: UE, bit 3: TE */

void ed_uart_init(void) {
    RCC_AHB1ENR |= 1u << 0;                                    /* GPIOA clock */
    RCC_APB2ENR |= 1u << 4;                                    /* USART1 clock */
    GPIOA_MODER = (GPIOA_MODER & ~(3u << 18)) | (2u << 18);    /* PA9 alternate function */
    GPIOA_AFRH = (GPIOA_AFRH & ~(0xFu << 4)) | (7u << 4);      /* AF7 = USART1 */
    USART1_BRR = (8u << 4) | 11u;   /* 16 MHz / (16 * 115200) = 8.68: mantissa 8, fraction 11/16 */
    USART1_CR1 = (1u << 13) | (1u << 3);
}

void ed_uart_putc(char c) {
    while (!(USART1_SR & (1u << 7))) {}
    USART1_DR = (uint8_t)c;
}
