/* Polled UART transmit, one driver per board family (cmsdk_uart.c, stm32_usart.c). */
#ifndef ED_UART_H
#define ED_UART_H

void ed_uart_init(void);
void ed_uart_putc(char c);

#endif
