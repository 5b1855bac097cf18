/* Start-up shared by every board: vector table, reset handler, fault capture.
 *
 * RAM layout (common.ld): [stack | .data | .bss | fault stack]. The stack sits at the bottom of
 * RAM so an overflow runs off the start of RAM into unmapped memory and faults, instead of
 * silently corrupting .data/.bss (M4/M7 have no stack limit register; M55 also gets MSPLIM).
 * The fault handler first moves MSP onto its own small stack, so it can run even when the
 * overflowed MSP is unusable, then hands the (possibly unwritten) frame to ed_fault_report. */
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint32_t __stack_top, __stack_limit, __fault_stack_top;
extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
extern const void *const ed_vectors[16];

/* CPACR: full access to CP10/CP11 (the FPU) before any C code may use a float register */
static void fpu_enable(void) {
#if defined(__ARM_FP)
    volatile uint32_t *cpacr = (volatile uint32_t *)0xE000ED88u;
    *cpacr |= 0xFu << 20;
    __asm volatile("dsb\n isb" ::: "memory");
#endif
}

void Reset_Handler(void) {
#if defined(ED_SET_VTOR)
    /* started by a boot loader (board.toml: bootloader_bytes): exceptions must come to our table,
     * not to the boot loader's at 0 (VTOR: ARMv7-M/v8-M SCB at 0xE000ED08) */
    *(volatile uint32_t *)0xE000ED08u = (uint32_t)ed_vectors;
#endif
    fpu_enable();
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
    /* hardware stack limit: an overflow raises a UsageFault (STKOF) before it writes */
    __asm volatile("msr msplim, %0" ::"r"(&__stack_limit));
#endif
    /* .data from its load address in flash, .bss zeroed: before main, no C library yet */
    const uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
    ed_board_init();
    ed_exit(main());
}

/* Naked: must not touch the stack before MSP is replaced (the stack may be what failed). */
__attribute__((naked)) void HardFault_Handler(void) {
    __asm volatile(
        "mrs r0, msp\n"
        "ldr r1, =__fault_stack_top\n"
        "mov sp, r1\n"
        "mov r1, lr\n"
        "ldr r2, =ed_fault_report\n"
        "bx r2\n");
}

void Default_Handler(void) {
    ed_fault_report(0, 0);
}

/* 16 system exceptions; boards need no peripheral IRQs (everything is polled). */
__attribute__((section(".vectors"), used)) const void *const ed_vectors[16] = {
    &__stack_top, Reset_Handler,
    HardFault_Handler,   /* NMI: report it like a fault */
    HardFault_Handler,
    HardFault_Handler,   /* MemManage, BusFault, UsageFault are disabled, so they escalate */
    HardFault_Handler, HardFault_Handler,
    HardFault_Handler,   /* SecureFault (v8-M) */
    0, 0, 0,
    Default_Handler,     /* SVCall */
    Default_Handler,     /* DebugMonitor */
    0,
    Default_Handler,     /* PendSV */
    Default_Handler,     /* SysTick */
};
