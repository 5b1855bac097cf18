/* STM32F7 USART3 on PD8 (TX, AF7): the Nucleo-F746ZG's ST-LINK virtual COM port. 115200 8N1
 * from the 16 MHz HSI the chip starts on (APB1 undivided at reset). Addresses and bits: RM0385
 * (STM32F75xxx/74xxx reference manual). The F7 USART is the "ISR/TDR" register layout, not the
 * F1/F4 SR/DR one of stm32_usart.c. Not run anywhere here: QEMU has no STM32F7 machine. */
#include <stdint.h>

#include "uart.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_AHB1ENR REG(0x40023830u)    /* bit 3: GPIODEN */
#define RCC_APB1ENR REG(0x40023840u)    /* bit 18: USART3EN */
#define GPIOD_MODER REG(0x40020C00u)
#define GPIOD_AFRH REG(0x40020C24u)
#define USART3_CR1 REG(0x40004800u)     /* bit 0: UE, bit 3: TE */
#define USART3_BRR REG(0x4000480Cu)
#define USART3_ISR REG(0x4000481Cu)     /* bit 7: TXE */
#define USART3_TDR REG(0x40004828u)

void ed_uart_init(void) {
    RCC_AHB1ENR |= 1u << 3;
    RCC_APB1ENR |= 1u << 18;
    GPIOD_MODER = (GPIOD_MODER & ~(3u << 16)) | (2u << 16);     /* PD8 alternate function */
    GPIOD_AFRH = (GPIOD_AFRH & ~0xFu) | 7u;                     /* AF7 = USART3 */
    USART3_BRR = 139u;     /* 16 MHz / 115200 = 138.9, oversampling by 16 */
    USART3_CR1 = (1u << 3) | (1u << 0);
}

void ed_uart_putc(char c) {
    while (!(USART3_ISR & (1u << 7))) {}
    USART3_TDR = (uint8_t)c;
}
