/* STM32L4+ LPUART1 on PG7 (TX, AF8): the Nucleo-L4R5ZI's ST-LINK virtual COM port. 115200 8N1
 * from the 4 MHz MSI the chip starts on (PCLK1, LPUART1SEL = 00 at reset). Port G's I/O run
 * from VDDIO2, which stays isolated until PWR_CR2.IOSV is set. Addresses and bits: RM0432
 * (STM32L4+ reference manual). LPUART registers are the "ISR/TDR" layout, not the F1/F4
 * SR/DR one of stm32_usart.c. Not run anywhere here: QEMU has no STM32L4 machine. */
#include <stdint.h>

#include "uart.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_AHB2ENR REG(0x4002104Cu)    /* bit 6: GPIOGEN */
#define RCC_APB1ENR1 REG(0x40021058u)   /* bit 28: PWREN */
#define RCC_APB1ENR2 REG(0x4002105Cu)   /* bit 0: LPUART1EN */
#define PWR_CR2 REG(0x40007004u)        /* bit 9: IOSV, VDDIO2 valid */
#define GPIOG_MODER REG(0x48001800u)
#define GPIOG_AFRL REG(0x48001820u)
#define LPUART1_CR1 REG(0x40008000u)    /* bit 0: UE, bit 3: TE */
#define LPUART1_BRR REG(0x4000800Cu)
#define LPUART1_ISR REG(0x4000801Cu)    /* bit 7: TXE */
#define LPUART1_TDR REG(0x40008028u)

void ed_uart_init(void) {
    RCC_APB1ENR1 |= 1u << 28;
    PWR_CR2 |= 1u << 9;
    RCC_AHB2ENR |= 1u << 6;
    RCC_APB1ENR2 |= 1u << 0;
    GPIOG_MODER = (GPIOG_MODER & ~(3u << 14)) | (2u << 14);     /* PG7 alternate function */
    GPIOG_AFRL = (GPIOG_AFRL & ~(0xFu << 28)) | (8u << 28);     /* AF8 = LPUART1 */
    LPUART1_BRR = 8889u;   /* 256 * 4 MHz / 115200 = 8888.9 (LPUART: 256 x fck / baud) */
    LPUART1_CR1 = (1u << 3) | (1u << 0);
}

void ed_uart_putc(char c) {
    while (!(LPUART1_ISR & (1u << 7))) {}
    LPUART1_TDR = (uint8_t)c;
}
