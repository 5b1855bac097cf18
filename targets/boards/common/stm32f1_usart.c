/* STM32F1 USART1 on PA9 (TX), 115200 8N1 from the 8 MHz HSI the chip starts on. The USART's
 * registers (SR/DR/BRR/CR1 at 0x00/0x04/0x08/0x0C) are those of stm32_usart.c's F4; what differs
 * is where things live (USART1 at 0x40013800, RCC at 0x40021000) and the GPIO: the F1 has no
 * alternate-function mux, a pin is set to "alternate function push-pull" in GPIOx_CRL/CRH.
 * Addresses and bits: RM0041 (STM32F100xx reference manual). As on the F4, no busy-wait on RCC
 * flags: QEMU leaves RCC/GPIO unimplemented, so the same image runs on the emulator and board. */
#include <stdint.h>

#include "uart.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_APB2ENR REG(0x40021018u)   /* bit 2: IOPAEN, bit 14: USART1EN */
#define GPIOA_CRH REG(0x40010804u)     /* pins 8-15, 4 bits each: CNF[1:0] MODE[1:0] */
#define USART1_SR REG(0x40013800u)     /* bit 7: TXE */
#define USART1_DR REG(0x40013804u)
#define USART1_BRR REG(0x40013808u)
#define USART1_CR1 REG(0x4001380Cu)    /* bit 13: UE, bit 3: TE */

void ed_uart_init(void) {
    RCC_APB2ENR |= (1u << 2) | (1u << 14);
    /* PA9: CNF = 10 (alternate function push-pull), MODE = 10 (output, 2 MHz) */
    GPIOA_CRH = (GPIOA_CRH & ~(0xFu << 4)) | (0xAu << 4);
    USART1_BRR = (4u << 4) | 5u;   /* 8 MHz / (16 * 115200) = 4.34: mantissa 4, fraction 5/16 */
    USART1_CR1 = (1u << 13) | (1u << 3);
}

void ed_uart_putc(char c) {
    while (!(USART1_SR & (1u << 7))) {}
    USART1_DR = (uint8_t)c;
}
